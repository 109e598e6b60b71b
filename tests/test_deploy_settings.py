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


def test_the_deploy_check_finds_nothing_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout


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


def test_the_deploy_check_warns_when_emails_would_only_reach_the_console(tmp_path):
    env = production_env(tmp_path)
    del env["EMAIL_URL"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "between.W001" in result.stderr + result.stdout


def test_the_deploy_check_refuses_a_site_url_outside_allowed_hosts(tmp_path):
    result = manage("check", "--deploy", **{**production_env(tmp_path), "SITE_URL": "https://elsewhere.example.org"})
    assert result.returncode != 0
    assert "between.E001" in result.stderr + result.stdout
