"""Who is asking, from where, in which request: for the audit rows of the current request, without
handing the request to every function that records one (write functions get no request).

`AuditContextMiddleware` (in MIDDLEWARE right after AuthenticationMiddleware) sets it for each
request and resets it when the request ends; outside a request `current()` is None.

Besides the frozen `RequestContext`, the request keeps two pieces of bookkeeping for
audit.record: what was already recorded (a page records one read per object and one row per list,
however many door functions it calls) and the read rows waiting to be appended in one go when the
request ends (audit.record.flush_pending), before the response leaves.
"""

import dataclasses
from contextvars import ContextVar
from uuid import uuid4

from lib.client_ip import client_ip
from lib.request_id import current_request_id

USER_AGENT_MAX = 300


@dataclasses.dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_agent: str
    request_id: str


@dataclasses.dataclass
class _Bookkeeping:
    seen: set = dataclasses.field(default_factory=set)
    pending: list = dataclasses.field(default_factory=list)


_current: ContextVar[RequestContext | None] = ContextVar("audit_request", default=None)
_bookkeeping: ContextVar[_Bookkeeping | None] = ContextVar("audit_bookkeeping", default=None)


def clean_user_agent(value):
    """The User-Agent header without control characters, cut to USER_AGENT_MAX characters."""
    return "".join(ch for ch in (value or "") if ch.isprintable())[:USER_AGENT_MAX]


def context_of(request, request_id=""):
    return RequestContext(
        ip=client_ip(request),
        user_agent=clean_user_agent(request.META.get("HTTP_USER_AGENT", "")),
        request_id=request_id,
    )


def current() -> RequestContext | None:
    """The current request's client IP, user agent and request id; None outside a request."""
    return _current.get()


def seen():
    """What the current request already recorded (a set to add keys to), or None outside a request."""
    state = _bookkeeping.get()
    return state.seen if state is not None else None


def pending():
    """Read rows of the current request not appended yet (a list), or None outside a request."""
    state = _bookkeeping.get()
    return state.pending if state is not None else None


class AuditContextMiddleware:
    def __init__(self, get_response):
        from audit.record import flush_pending  # audit.record reads this module

        self.get_response = get_response
        self.flush_pending = flush_pending

    def __call__(self, request):
        # One id for the request's log lines and its audit rows (lib.request_id, set by
        # between.security.RequestIdMiddleware); our own when that middleware is not in front.
        request_id = current_request_id() or getattr(request, "request_id", None) or uuid4().hex
        token = _current.set(context_of(request, request_id))
        books = _bookkeeping.set(_Bookkeeping())
        try:
            response = self.get_response(request)
        finally:
            try:
                # Before the response leaves: a page whose reads cannot be recorded is not sent.
                self.flush_pending()
            finally:
                _bookkeeping.reset(books)
                _current.reset(token)
        return response
