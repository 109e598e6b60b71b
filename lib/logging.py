"""One JSON object per log line, with the request id (docs/security.md T-LG-4, T-LG-5).

JSON escapes every control character (newline, carriage return, the ESC of terminal colour
codes), so text that came from a request cannot start a second, forged line, nor recolour a
terminal. `between.settings.LOGGING` puts these on the console handler.
"""

import logging
import re

from pythonjsonlogger.json import JsonFormatter as _PythonJsonFormatter

from lib.request_id import current_request_id

# The keys of every line, in this order; nothing else (see JsonFormatter.process_log_record).
KEYS = ("time", "level", "logger", "message", "request_id", "exception", "stack")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to each record that passes the handler."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(_PythonJsonFormatter):
    """python-json-logger, reduced to fixed keys: time (UTC, ISO 8601), level, logger, message,
    request_id, and the formatted traceback as "exception" when there is one.

    Extra attributes of a record are left out on purpose: Django's request logger attaches the
    request object (`extra={"request": ...}`), whose text is the full URL with any token in it.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault(
            "rename_fields",
            {"levelname": "level", "name": "logger", "exc_info": "exception", "stack_info": "stack"},
        )
        # ASCII output: every non-ASCII and control character is a \u escape, on one line.
        kwargs.setdefault("json_ensure_ascii", True)
        super().__init__(["levelname", "name", "message", "request_id"], *args, **kwargs)

    def process_log_record(self, log_data):
        return {key: log_data[key] for key in KEYS if key in log_data}


# Paths whose last part is a credential: an emailed sign-in link, allauth's password reset key
# (its token-less "set-password" form is kept). Django logs paths of 4xx answers
# ("Not Found: /welcome/<token>/") and runserver logs every request line.
SECRET_PATHS = (
    (re.compile(r"(/welcome/)[^/?#\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(/password/reset/key/[0-9A-Za-z]+-)(?!set-password)[^/?#\s\"']+"), r"\1[redacted]"),
)


def redact(text):
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretPathsFilter(logging.Filter):
    """Blanks the credential in sign-in and reset URLs of a record's message and arguments.

    Set on the loggers that log request paths (django.request, django.server,
    django.security.csrf): a logger's filter changes the record before any handler, pytest's
    log capture included, sees it."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(arg) if isinstance(arg, str) else arg for key, arg in record.args.items()}
        return True
