"""Check the external links of sources and policies, and remember what was found.

`check_links()` collects every distinct external URL (`Source.url`,
`Policy.official_text_url`), checks a few at a time with urllib (HEAD, then
GET when the server refuses HEAD), follows redirects, and records the result
of each in a `LinkCheck` row, which the admin's Content health page lists.

The run is bounded in time: every request has a timeout, and the whole run a
budget. A URL the budget did not leave time for is *not checked*: its last
result is kept, and it is never reported as broken for want of time.
"""

import http.client
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.request import HTTPRedirectHandler, Request, build_opener

from django.utils import timezone
from django.utils.encoding import iri_to_uri

from .models import LinkCheck, Policy, Source

USER_AGENT = "sco-reference-link-checker/1.0 (+checks the sources cited by the SCO reference)"
# Time left for answers to arrive once the budget is spent (requests are cut at the
# deadline, so they end within this).
GRACE_SECONDS = 1.0


@dataclass
class Result:
    url: str
    checked: bool = True
    ok: bool = False
    status_code: int | None = None
    error: str = ""


@dataclass
class Summary:
    total: int = 0
    ok: int = 0
    broken: int = 0
    seconds: float = 0.0

    @property
    def not_checked(self):
        return self.total - self.ok - self.broken

    def __str__(self):
        return (
            f"Checked {self.total} links in {self.seconds:.1f} s: {self.ok} ok, "
            f"{self.broken} broken, {self.not_checked} not checked."
        )


class _RedirectKeepingHead(HTTPRedirectHandler):
    """Follow redirects of a HEAD request with HEAD (urllib would switch to GET)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


_opener = build_opener(_RedirectKeepingHead)


def external_urls(*, only_broken=False, url_prefix=""):
    """Return the distinct http(s) URLs that sources and policies point at, sorted."""
    urls = set(Source.objects.values_list("url", flat=True))
    urls |= set(
        Policy.objects.exclude(official_text_url="").values_list("official_text_url", flat=True)
    )
    urls = {url for url in urls if url.lower().startswith(("http://", "https://"))}
    if url_prefix:
        urls = {url for url in urls if url.startswith(url_prefix)}
    if only_broken:
        urls &= set(LinkCheck.objects.filter(ok=False).values_list("url", flat=True))
    return sorted(urls)


def check_url(url, *, timeout, deadline):
    """Check one URL, giving up (not checked) when the run's deadline comes first."""
    for method in ("HEAD", "GET"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Result(url, checked=False)
        limit = min(timeout, remaining)
        request = Request(iri_to_uri(url), method=method, headers={"User-Agent": USER_AGENT})
        try:
            with _opener.open(request, timeout=limit) as response:
                return Result(url, ok=True, status_code=response.status)
        except HTTPError as error:
            if method == "HEAD" and error.code >= 400:
                # Many servers refuse HEAD (405, 501, but also 403 or 404): only a
                # failed GET counts as broken.
                continue
            # A redirect that is not followed (300, 304, no Location) still answers.
            loop = str(error.msg).startswith(HTTPRedirectHandler.inf_msg.strip())
            ok = 300 <= error.code < 400 and not loop
            reason = "Too many redirects" if loop else str(error.reason)
            return Result(url, ok=ok, status_code=error.code, error="" if ok else reason[:300])
        except (OSError, ValueError, http.client.HTTPException) as error:
            reason = error.reason if isinstance(error, URLError) else error
            if isinstance(reason, TimeoutError):
                if limit < timeout:
                    return Result(url, checked=False)  # cut short by the budget
                return Result(url, error=f"No answer within {timeout:g} s")
            return Result(url, error=(str(reason) or type(reason).__name__)[:300])
    raise AssertionError("unreachable")  # pragma: no cover


def check_links(
    *,
    timeout=10.0,
    max_seconds=300.0,
    only_broken=False,
    url_prefix="",
    workers=4,
    dry_run=False,
    on_result=None,
):
    """Check the links and record each result as it arrives; return a `Summary`.

    `on_result(result, done, total)` is called for every URL that got an answer.
    """
    started = time.monotonic()
    deadline = started + max_seconds
    urls = external_urls(only_broken=only_broken, url_prefix=url_prefix)
    summary = Summary(total=len(urls))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check_links")
    futures = [pool.submit(check_url, url, timeout=timeout, deadline=deadline) for url in urls]
    done = 0
    try:
        wait = max(0.0, deadline - time.monotonic()) + GRACE_SECONDS
        for future in as_completed(futures, timeout=wait):
            result = future.result()
            if not result.checked:
                continue
            done += 1
            if result.ok:
                summary.ok += 1
            else:
                summary.broken += 1
            if not dry_run:
                # Written here, in this thread: the workers never touch the database.
                LinkCheck.objects.update_or_create(
                    url=result.url,
                    defaults={
                        "ok": result.ok,
                        "status_code": result.status_code,
                        "error": result.error,
                        "checked_at": timezone.now(),
                    },
                )
            if on_result is not None:
                on_result(result, done, len(urls))
    except TimeoutError:
        pass  # the budget is spent: whatever has not answered is not checked
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    summary.seconds = time.monotonic() - started
    return summary
