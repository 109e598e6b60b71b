"""Production settings: `check --deploy` is clean, and missing secrets stop the start-up."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    # pytest's own environment is left out on purpose: the child must read settings as production would.
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def production_env(tmp_path):
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "between.example.org",
        "SITE_URL": "https://between.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "EMAIL_URL": "smtp+tls://between:secret@mail.example.org:587",
    }


def python(code, **env):
    """Run `code` after django.setup() under `env` alone; its stdout."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    setup = "import django; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "between.settings", **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_deploy_check_finds_nothing_with_production_settings(tmp_path):
    """T-HD-3: clean at WARNING level, and not by silencing anything."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout
    out = python("from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)", **production_env(tmp_path))
    assert out.strip() == "[]"


# Cookies as the middleware sets them, read off a response (the session in a signed cookie, so no
# database is needed: the cookie's attributes come from the same settings).
SET_COOKIES = """
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory, override_settings

def view(request):
    request.session["seen"] = True
    get_token(request)
    return HttpResponse()

with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
    response = SessionMiddleware(CsrfViewMiddleware(view))(RequestFactory().get("/", secure=True))
for morsel in response.cookies.values():
    print(morsel.OutputString())
"""


def _set_cookies(env):
    return dict(line.split("=", 1) for line in python(SET_COOKIES, **env).splitlines())


def test_over_https_the_cookies_are_host_prefixed(tmp_path):
    """T-HD-1: `__Host-` makes browsers insist on Secure, Path=/ and no Domain."""
    cookies = _set_cookies(production_env(tmp_path))
    assert set(cookies) == {"__Host-sessionid", "__Host-csrftoken"}
    for name, rest in cookies.items():
        attributes = [part.strip().lower() for part in rest.split(";")[1:]]
        assert "secure" in attributes and "path=/" in attributes, f"{name}: {rest}"
        assert not any(a.startswith("domain=") for a in attributes), f"{name} names a domain: {rest}"
        assert "httponly" in attributes and "samesite=lax" in attributes, f"{name}: {rest}"


def test_over_plain_http_the_cookies_keep_djangos_names(tmp_path):
    """Browsers refuse a `__Host-` cookie without Secure, and Secure cookies never travel over http."""
    env = {**production_env(tmp_path), "SITE_URL": "http://between.example.org"}
    cookies = _set_cookies(env)
    assert set(cookies) == {"sessionid", "csrftoken"}
    assert all("secure" not in rest.lower() for rest in cookies.values())


def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_without_field_encryption_keys(tmp_path):
    env = production_env(tmp_path)
    del env["FIELD_ENCRYPTION_KEYS"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_a_misspelt_debug_value_is_an_error_not_a_guess(tmp_path):
    result = manage("check", DEBUG="ture", **production_env(tmp_path))
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


CONSOLE_REFUSED = "Under DEBUG=0 emails would be printed to the log, sign-in links and codes with them."


def test_it_refuses_to_start_when_emails_would_only_reach_the_console(tmp_path):
    env = production_env(tmp_path)
    del env["EMAIL_URL"]  # the default is the console
    result = manage("check", **env)
    assert result.returncode != 0
    assert CONSOLE_REFUSED in result.stderr
    assert "ALLOW_CONSOLE_EMAIL=1" in result.stderr


def test_it_refuses_to_start_when_emails_would_be_written_to_files(tmp_path):
    result = manage("check", **{**production_env(tmp_path), "EMAIL_URL": f"filemail://{tmp_path / 'mail'}"})
    assert result.returncode != 0
    assert CONSOLE_REFUSED in result.stderr


def test_a_trial_install_may_print_emails_but_the_deploy_check_still_warns(tmp_path):
    env = {**production_env(tmp_path), "EMAIL_URL": "consolemail://", "ALLOW_CONSOLE_EMAIL": "1"}
    assert manage("check", **env).returncode == 0
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "between.W001" in result.stderr + result.stdout


def test_development_prints_emails_without_asking(tmp_path):
    """`make run` (DEBUG=1, no EMAIL_URL) starts as before."""
    result = manage("check", DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}")
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_refuses_a_site_url_outside_allowed_hosts(tmp_path):
    result = manage("check", "--deploy", **{**production_env(tmp_path), "SITE_URL": "https://elsewhere.example.org"})
    assert result.returncode != 0
    assert "between.E001" in result.stderr + result.stdout
