"""Where a form may send people back to: a path on this site, never another host.

A form's hidden `next` comes back from the browser, so anyone could put an address there; an
open redirect would let a phishing link borrow our name.
"""

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request, url):
    """`url` if it is a path on this site ("/insights/..."), else None."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    # No host is allowed at all: only a path (a scheme-relative or absolute URL fails here too).
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=request.is_secure()):
        return None
    return url
