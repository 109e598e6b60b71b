"""HTML to PDF with WeasyPrint, loading nothing but our own static files and data: URIs.

Imported by the PDF view when it runs, not at start-up: WeasyPrint loads Pango, which no other
page needs, so a machine without it still serves everything but the PDF.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint logs a line per rendering step and a warning per screen rule it does not apply
# (media features, clip); none of it is ours to act on, and one brief would write a dozen lines.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def static_file(name):
    """The file behind a static name: from the finders in development and tests, from the
    collected (hashed) files in production; None for anything else."""
    try:
        found = finders.find(name)
        if found is None and staticfiles_storage.exists(name):
            found = staticfiles_storage.path(name)
    except Exception:  # a name outside the static folders (SuspiciousFileOperation), a storage without paths
        return None
    return Path(found) if found else None


class StaticFilesOnly(URLFetcher):
    """Our static files, read from disk, and data: URIs (the charts); nothing over the network,
    so the renderer is never a way to make the server fetch an address (and asking our own
    server for the stylesheet would tie up a worker while this one waits)."""

    def __init__(self, base_url):
        super().__init__(allowed_protocols=("data",))
        self.static = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url, headers=None):
        if url.startswith(self.static):
            path = static_file(unquote(urlsplit(url).path)[len(urlsplit(self.static).path) :])
            if path is None:
                raise ValueError("Not one of our static files.")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
        return super().fetch(url, headers)  # data: only; any other scheme is refused


def html_to_pdf(html, *, base_url):
    """The PDF bytes of `html`, whose links resolve against `base_url` (the site's root)."""
    return HTML(string=html, base_url=base_url, url_fetcher=StaticFilesOnly(base_url)).write_pdf()
