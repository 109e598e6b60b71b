"""Log lines are one JSON object each and carry the request id; the 500 page quotes that id and
shows nothing else (docs/security.md T-LG-4, T-LG-5, T-IN-7)."""

import json
import logging
import sys

import pytest
from django.conf import settings
from django.urls import path, reverse

from between import urls as between_urls
from lib.logging import JsonFormatter, RedactSecretPathsFilter, RequestIdFilter
from lib.request_id import current_request_id, reset_request_id, set_request_id

# --- The formatter ----------------------------------------------------------------------------------------


def _record(msg, *args, level=logging.INFO, exc_info=None, name="between.test"):
    return logging.LogRecord(name, level, __file__, 1, msg, args, exc_info)


def test_a_record_is_one_json_object_with_the_fixed_keys():
    token = set_request_id("0123abcd")
    try:
        record = _record("Saved %s", "entry")
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert list(data) == ["time", "level", "logger", "message", "request_id"]
    assert data["level"] == "INFO" and data["logger"] == "between.test" and data["message"] == "Saved entry"
    assert data["request_id"] == "0123abcd"
    assert data["time"].endswith("+00:00"), "times are UTC"


def test_outside_a_request_the_request_id_is_null():
    assert current_request_id() is None
    record = _record("worker tick")
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] is None


INJECTION = 'line one\nFAKE {"level": "INFO", "message": "signed in as admin"}\r\nmore \x1b[31mred\x1b[0m \u2028 end'


def test_a_newline_carriage_return_or_escape_code_cannot_forge_a_line():
    """T-LG-5: input logged as is stays inside its own line, readable as the text it was."""
    line = JsonFormatter().format(_record("Comment from the form: %s", INJECTION))
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert len(line.splitlines()) == 1
    assert json.loads(line)["message"] == f"Comment from the form: {INJECTION}"


def test_a_traceback_is_kept_as_exception_on_the_same_line():
    try:
        raise ValueError("bad value\nsecond line")
    except ValueError:
        record = _record("It failed", level=logging.ERROR, exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1
    exception = json.loads(line)["exception"]
    assert exception.startswith("Traceback") and "ValueError: bad value\nsecond line" in exception


def test_extra_attributes_stay_out_of_the_line():
    """Django's request logger passes the request as an extra; its text is the full URL."""
    record = _record("Not Found: %s", "/somewhere/")
    record.request = "<WSGIRequest: GET '/welcome/secret-token/'>"
    record.status_code = 404
    assert "secret-token" not in JsonFormatter().format(record)


@pytest.mark.parametrize(
    "logged,shown",
    [
        ("/welcome/Abc-123_x/", "/welcome/[redacted]/"),
        ('"GET /welcome/Abc-123_x/ HTTP/1.1" 302 0', '"GET /welcome/[redacted]/ HTTP/1.1" 302 0'),
        ("/welcome/", "/welcome/"),
        ("/accounts/password/reset/key/2-cv7x-0a1b2c3d/", "/accounts/password/reset/key/2-[redacted]/"),
        ("/accounts/password/reset/key/2-set-password/", "/accounts/password/reset/key/2-set-password/"),
    ],
)
def test_the_paths_of_sign_in_and_reset_links_are_blanked(logged, shown):
    record = _record("Not Found: %s", logged)
    RedactSecretPathsFilter().filter(record)
    assert record.getMessage() == f"Not Found: {shown}"


def test_settings_send_every_level_through_the_json_console():
    console = settings.LOGGING["handlers"]["console"]
    assert console["formatter"] == "json" and "request_id" in console["filters"] and "level" not in console
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h.formatter, JsonFormatter))
    assert any(isinstance(f, RequestIdFilter) for f in handler.filters)
    for name in ("django.request", "django.server", "django.security.csrf"):
        assert any(isinstance(f, RedactSecretPathsFilter) for f in logging.getLogger(name).filters), name
    # Django's own handlers are gone: its records reach root's JSON console, once.
    assert logging.getLogger("django").handlers == [] and logging.getLogger("django").propagate
    assert logging.getLogger("django.server").handlers == [] and logging.getLogger("django.server").propagate


# --- The request id on every response -------------------------------------------------------------------------


def test_every_response_carries_a_fresh_request_id(client, db):
    first = client.get(reverse("crisis"))["X-Request-ID"]
    second = client.get(reverse("crisis"))["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second
    assert current_request_id() is None, "the id outlived its request"


def test_a_request_id_sent_by_the_client_is_not_taken(client, db):
    response = client.get(reverse("crisis"), headers={"X-Request-ID": "forged\nline"})
    assert response["X-Request-ID"] != "forged\nline"


# --- The 500 page (a test-only URLconf: between's patterns plus one view that fails) ---------------------------


INTERNAL_DETAIL = "internal-detail-4d1e"


def _fails(request):
    raise RuntimeError(f"internal detail {INTERNAL_DETAIL} in {settings.BASE_DIR}")


urlpatterns = [path("test-only/fails/", _fails), *between_urls.urlpatterns]
handler500 = between_urls.handler500


@pytest.fixture
def failing(client, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
def test_the_error_page_quotes_the_request_id_and_shows_nothing_else(failing, caplog):
    response = failing.get("/test-only/fails/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    body = response.content.decode()
    assert "Something went wrong on our side. Nothing you typed was sent to anyone." in body
    assert f"quote this reference: <code>{request_id}</code>" in body
    shown = (
        "Traceback",
        "RuntimeError",
        INTERNAL_DETAIL,
        settings.SECRET_KEY,
        str(settings.BASE_DIR),
        "/test-only/",
        ".py",
    )
    for secret in shown:
        assert secret not in body, f"the error page shows {secret!r}"
    assert f'href="{reverse("crisis")}"' in body
    # The error's log line, from Django's request logger, carries the same id.
    (record,) = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert record.request_id == request_id
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == request_id and INTERNAL_DETAIL in line["exception"]


@pytest.mark.django_db
def test_the_error_page_is_the_same_for_a_signed_in_person(failing, sign_in, client_a):
    sign_in(client_a.user)
    response = failing.get("/test-only/fails/")
    assert response.status_code == 500
    assert client_a.user.name not in response.content.decode()
    assert client_a.user.email not in response.content.decode()
