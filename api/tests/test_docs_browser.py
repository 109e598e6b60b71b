"""The docs page in a real browser: Swagger UI renders from our own files under our own CSP."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_every_operation_without_another_host(live_server, page):
    own_host = urlsplit(live_server.url).netloc
    elsewhere, problems = [], []
    page.on(
        "request", lambda request: urlsplit(request.url).netloc not in (own_host, "") and elsewhere.append(request.url)
    )
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + "/api/v1/docs")
    page.get_by_text("/api/v1/me/assignments/{code}/entries").wait_for(timeout=15_000)

    for path in ("/api/v1/me/entries/{code}", "/api/v1/clients", "/api/v1/entries/{code}/fhir"):
        assert page.get_by_text(path, exact=True).count() >= 1, f"{path} is not on the docs page"
    assert not elsewhere, f"the docs page asked another host: {elsewhere}"
    assert not problems, f"the docs page reported errors (a CSP refusal?): {problems}"
