"""One line per log event, tagged with the id of the request being handled.

`RequestIDMiddleware` (middleware.py) sets the id; the filter and formatter
below, installed by settings.LOGGING, add it to every line. A traceback is
folded onto its line, so one event is always one line of the log.
"""

import contextvars
import logging

request_id_var = contextvars.ContextVar("request_id", default="-")


def current_request_id():
    """Return the id of the request being handled, or "-" outside a request."""
    return request_id_var.get()


class RequestIDLogFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id()
        return True


class OneLineFormatter(logging.Formatter):
    """`time level logger request_id=… message`, with tracebacks folded onto the line."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s")

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return super().format(record).replace("\r", "").replace("\n", " ⏎ ")
