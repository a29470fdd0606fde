"""
Structured logs: one JSON line per request and per background task.

Each request gets an id (nginx's X-Request-ID, or a new one) that every log
line written while it runs carries, and that tasks the request queues carry
too (`queue()` passes it as the task's `request_id` argument). Lines hold no
personal data: no client addresses, no emails, no query strings, and signed
tokens in paths are masked.
"""

import contextvars
import logging
import re
import time
import uuid

from pythonjsonlogger.json import JsonFormatter

request_id = contextvars.ContextVar("request_id", default="")

logger = logging.getLogger("clinic.requests")
task_logger = logging.getLogger("clinic.tasks")

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: Extra fields a log call may pass (`extra={...}`) that end up in the line.
FIELDS = (
    "method",
    "path",
    "status",
    "duration_ms",
    "cached",
    "task",
    "task_id",
    "attempt",
)


class JSONFormatter(JsonFormatter):
    """
    One JSON object per line: time, level, logger, message, request_id, the
    FIELDS a call passed in `extra`, and `error` with a traceback. Any other
    record attribute (a library's request object, say) stays out of the
    line: it could carry personal data.
    """

    KEPT = {"time", "level", "logger", "message", "request_id", "error", *FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "error"},
            timestamp="time",
        )

    def process_log_record(self, log_data):
        log_data["request_id"] = log_data.get("request_id") or request_id.get()
        return {key: value for key, value in log_data.items() if key in self.KEPT}


def _given_or_new_id(given):
    """Return the proxy's request id when it looks like one, else a new id."""
    return given if _VALID_ID.match(given) else uuid.uuid4().hex


def _masked_path(request):
    match = getattr(request, "resolver_match", None)
    path = request.path
    if match is not None:
        for name, value in match.kwargs.items():
            if name == "token":
                path = path.replace(str(value), "<token>")
    return path


class RequestLogMiddleware:
    """Give each request its id and log one line when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = _given_or_new_id(request.headers.get("X-Request-ID", ""))
        token = request_id.set(current)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = current
            logger.info(
                "request",
                extra={
                    "request_id": current,
                    "method": request.method,
                    "path": _masked_path(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id.reset(token)


def log_cached_request(environ, status, started):
    """Log a page answered from the cache before Django saw it; return the
    request id it was given."""
    current = _given_or_new_id(environ.get("HTTP_X_REQUEST_ID", ""))
    logger.info(
        "request",
        extra={
            "request_id": current,
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "status": int(status.split(" ", 1)[0]),
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "cached": True,
        },
    )
    return current


def queue(task, **kwargs):
    """
    Queue `task` through the Django tasks API with `kwargs`, passing the
    current request's id; return the task result.
    """
    return task.enqueue(request_id=request_id.get(), **kwargs)


_running = {}


def task_started(sender, task_result, **kwargs):
    """Signal receiver: tag the task's own log lines with its request id."""
    given = task_result.kwargs.get("request_id", "")
    _running[task_result.id] = (
        request_id.set(given or uuid.uuid4().hex),
        time.perf_counter(),
    )


def task_finished(sender, task_result, **kwargs):
    """Signal receiver: log one line for the finished task."""
    token, started = _running.pop(task_result.id, (None, time.perf_counter()))
    status = str(getattr(task_result.status, "value", task_result.status))
    task_logger.log(
        logging.ERROR if status == "FAILED" else logging.INFO,
        "task",
        extra={
            "request_id": request_id.get(),
            "task": task_result.task.module_path,
            "task_id": str(task_result.id),
            "status": status,
            "attempt": task_result.kwargs.get("attempt", 1),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    if token is not None:
        request_id.reset(token)
