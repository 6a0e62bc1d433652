-- wrk script: a mix of the pages readers hit, in rotation, with a per-thread offset.
-- With NOCACHE=1 in the environment every request gets a unique query parameter,
-- so no page can come from the cache (the worst case).
local paths = {
  "/", "/topics/", "/topics/peace-mission-exercises/", "/topics/russia-and-china/",
  "/exercises/", "/exercises/?country=CN&country=RU&sort=-personnel",
  "/exercises/?framework=rats&year_from=2010", "/exercises/peace-mission-2007/",
  "/exercises/sahand-antiterror-2025/", "/policies/", "/policies/?party=IN&kind=convention",
  "/policies/shanghai-convention-2001/", "/countries/", "/countries/china/", "/countries/india/",
  "/themes/", "/themes/counterterrorism/", "/series/", "/series/peace-mission/",
  "/timeline/", "/search/?q=peace", "/search/?q=border", "/about/",
  "/exercises/export.csv", "/policies/export.json", "/healthz",
}
local nocache = os.getenv("NOCACHE") == "1"
local counter = 0
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  local path = paths[((counter + offset) % #paths) + 1]
  if nocache then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "nocache=" .. counter .. "-" .. offset
  end
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  io.write(string.format("requests=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
  io.write(string.format("latency_ms mean=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f\n",
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
