"""The bare floor: a WSGI app with no framework, answering `GET /<n>` with n bytes.

bench/run.py serves it under the same gunicorn configuration as the site and asks it
for exactly as many bytes as each page it measures, so a page's throughput divided by
this one's is what Django, the middleware, the database and the templates cost.
"""

CHUNK = b"x" * 65536


def application(environ, start_response):
    try:
        size = int(environ.get("PATH_INFO", "/").strip("/") or "0")
    except ValueError:
        size = -1
    if not 0 <= size <= 256 * 1024 * 1024:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(size))],
    )
    full, rest = divmod(size, len(CHUNK))
    return [CHUNK] * full + [CHUNK[:rest]]
