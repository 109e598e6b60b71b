"""The address of the person at the other end, behind the reverse proxies we run.

Each proxy appends the address it received the connection from to `X-Forwarded-For`, so the
header reads left to right "what the client claimed, ..., what our first proxy saw, ..., what our
last proxy saw", and `REMOTE_ADDR` is our last proxy itself. With `TRUSTED_PROXY_COUNT` = N
proxies of ours, the client is therefore the N-th address from the right: the one our outermost
proxy saw. Everything left of it came from the client and may be forged.

  N = 0   the header is ignored; REMOTE_ADDR is the client (no proxy, or one we do not trust)
  N = 1   "203.0.113.9, 10.0.0.1"  ->  10.0.0.1   (our one proxy saw 10.0.0.1; 203.0.113.9 was sent by it)
  N = 2   "203.0.113.9, 10.0.0.1"  ->  203.0.113.9 (the outer proxy saw 203.0.113.9, the inner one 10.0.0.1)

A header with fewer than N addresses (a request that bypassed a proxy) or whose N-th entry is
not an IP address falls back to REMOTE_ADDR. allauth's rate limits use the same function
(accounts.adapters.AccountAdapter.get_client_ip), and so does the audit trail (audit.context).
"""

import ipaddress

from django.conf import settings


def _clean(value):
    """The address in canonical form, or None if `value` is not one."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.9:443"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request):
    """The client's IP address as a string, or None when not even REMOTE_ADDR is one."""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted:
            found = _clean(forwarded[-trusted])
            if found is not None:
                return found
    return _clean(request.META.get("REMOTE_ADDR"))
