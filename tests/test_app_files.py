"""The files that make Between installable on a phone: /favicon.ico, /manifest.webmanifest and the
service worker at /sw.js (between/views.py). Public, fixed, the same for everyone; the browser
side is tests/test_browser_drafts.py."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

from tests.test_healthz_and_headers import _csp


@pytest.fixture
def anyone(client, db):
    return client


def test_the_favicon_answers(anyone):
    response = anyone.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00", "an .ico file"


def test_the_manifest_describes_the_app(anyone):
    response = anyone.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "Between" and manifest["short_name"]
    assert manifest["start_url"] == reverse("homework:client_home") == "/today/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d5f8a" and manifest["background_color"] == "#fbfaf7"
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for src in icons.values():
        assert anyone.get(src).status_code == 200, src


def test_the_service_worker_is_served_from_the_root_with_the_same_policy(anyone):
    response = anyone.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    policy = _csp(response)
    assert policy["default-src"] == ["'none'"] and policy["connect-src"] == ["'self'"]
    assert b'var TODAY = "/today/"' in response.content


def test_every_page_links_the_manifest_the_icons_and_the_scripts(anyone):
    page = anyone.get(reverse("account_login")).content.decode()
    assert f'<link rel="manifest" href="{reverse("manifest")}">' in page
    assert f'href="{reverse("favicon")}"' in page
    assert f'src="{static("js/app.js")}" data-service-worker="{reverse("service_worker")}"' in page
    assert f'src="{static("js/drafts.js")}"' in page
