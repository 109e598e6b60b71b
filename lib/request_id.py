"""The id of the request being served: the one source for log lines, the error page and the audit.

`between.security.RequestIdMiddleware` sets it for each request and resets it afterwards;
outside a request (a worker, a management command) it is None.
"""

from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> Token:
    """Set the id; pass the returned token to reset_request_id() when the request ends."""
    return _request_id.set(value)


def reset_request_id(token: Token) -> None:
    _request_id.reset(token)
