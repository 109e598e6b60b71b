"""The one settings module. Every knob is an environment variable documented in README.md."""

import os
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # SQLite files and development keys live here; git ignores it


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_bool(name, default):
    """Strict booleans: a typo in DEBUG must not silently pick a side."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name, default):
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name, default):
    value = env_str(name)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


DEBUG = env_bool("DEBUG", False)
# pytest imports this module before any test fixture can set variables; tests get throwaway keys.
TESTING = "pytest" in sys.modules


def dev_secret(name, filename, generate):
    """Development and tests keep a generated key in var/; production must pass it explicitly."""
    value = env_str(name)
    if value:
        return value
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (see README.md).")
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


def _random_key():
    import secrets

    return secrets.token_urlsafe(50)


def _random_field_key():
    import base64
    import secrets

    return "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


SECRET_KEY = dev_secret("SECRET_KEY", "dev-secret-key", _random_key)
# Newest first, comma-separated "keyid:base64(32 bytes)"; older keys still decrypt.
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", [dev_secret("FIELD_ENCRYPTION_KEYS", "dev-field-key", _random_field_key)]
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Each person's list of signed-in browsers, to end the others (docs/security.md T-SE-7).
    "allauth.usersessions",
    "huey.contrib.djhuey",
    "csp",
    # docs/stack.md trap 2: installed so /api/v1/docs serves its own Swagger files, not a CDN's.
    "ninja",
    "between",
    "accounts",
    "practices",
    "homework",
    "insights",
    "notifications",
    "audit",
    "api",
]

MIDDLEWARE = [
    # First: every log line of the request, and its 500 page, carry the request id.
    "between.security.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy, and Clear-Site-Data on sign-out (between/security.py).
    "between.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who is asking, from where, which request (audit/context.py): every audit row of the request.
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "between.security.PrivatePagesMiddleware",
    # After allauth's: sessions end on idle and total time, and staff reach nothing before
    # their second factor (between/sign_in.py).
    "between.sign_in.SessionLimitsMiddleware",
    "between.sign_in.SecondFactorRequiredMiddleware",
]

ROOT_URLCONF = "between.urls"
WSGI_APPLICATION = "between.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notices",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'between.sqlite3'}")
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # docs/security.md, "Decisions": DEFERRED transactions fail 94% of concurrent
    # read-then-write transactions; IMMEDIATE takes the write lock up front and waits for it.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
    # A file (not memory) so the browser tests' live server shares it; one per run so that
    # concurrent runs on one machine do not trample each other. Django deletes it afterwards.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new PostgreSQL connection per request costs more than most of our pages.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared across processes so allauth's rate limits and code checks hold with several workers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "between_cache",
    }
}

# --- Background work --------------------------------------------------------------------------
HUEY_URL = env_str("HUEY_URL", f"sqlite:///{VAR_DIR / ('test-huey.sqlite3' if TESTING else 'huey.sqlite3')}")


def huey_settings(url, name="between"):
    # "immediate" is set explicitly: djhuey would otherwise run tasks inline whenever DEBUG is on.
    # The name keeps queues apart in one storage (a Redis database, a PostgreSQL database).
    common = {"name": name, "immediate": False, "utc": True}
    if url.startswith("sqlite:///"):
        return {**common, "huey_class": "huey.SqliteHuey", "filename": url.removeprefix("sqlite:///")}
    if url.startswith(("redis://", "rediss://")):
        return {**common, "huey_class": "huey.RedisHuey", "url": url}
    if url.startswith(("postgres://", "postgresql://")):
        return {**common, "huey_class": "huey.PostgresHuey", "dsn": url}
    raise ImproperlyConfigured("HUEY_URL must start with sqlite:///, redis:// or postgres://")


HUEY = huey_settings(HUEY_URL, env_str("HUEY_NAME", "between"))
# How long a worker's claim on an outbox message holds before another may take it over. It must
# outlast one delivery batch (50 emails); the crash tests shorten it to finish quickly.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 600)

# --- Email ------------------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "consolemail://")
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS/SSL
_email_config = environ.Env.email_url_config(EMAIL_URL)  # lowercase: not a setting itself
globals().update(_email_config)
# A trial install without a mail server may print emails to the log; otherwise production refuses.
ALLOW_CONSOLE_EMAIL = env_bool("ALLOW_CONSOLE_EMAIL", False)
PRINTING_EMAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)
if not (DEBUG or TESTING or ALLOW_CONSOLE_EMAIL) and _email_config["EMAIL_BACKEND"] in PRINTING_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        "Under DEBUG=0 emails would be printed to the log, sign-in links and codes with them. Set EMAIL_URL "
        "to your mail server (smtp+tls://…), or ALLOW_CONSOLE_EMAIL=1 for a trial install without mail."
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Between <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# allauth's backend, loading with each request's user whether they are staff and enrolled in MFA.
AUTHENTICATION_BACKENDS = ["practices.backends.RoleAwareBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Between: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# Django's default is three days; a reset link is a password.
PASSWORD_RESET_TIMEOUT = 60 * 60
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# WebAuthn wants https; http://localhost is a secure context for browsers, so development and
# the browser tests may use it. Never on in production.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING
MFA_TOTP_ISSUER = "Between"
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# Adding or changing an email address, changing MFA and exports ask for the password (or the
# second factor) again unless the person authenticated in the last 5 minutes (T-SE-6).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
# One address per person; a new one replaces it only once its owner opens the emailed link.
ACCOUNT_CHANGE_EMAIL = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Rate limits beyond allauth's on signing in (ACCOUNT_RATE_LIMITS: 5 failed sign-ins per 5 minutes
# per address, emailed codes 3 a minute per address): "count/period" per signed-in person
# (lib/ratelimit.py, and the API's writes). Documented in docs/security.md (T-AN-2).
RATE_LIMITS = {
    "api_write": env_str("RATE_LIMIT_API_WRITES", "60/m"),
    "export": env_str("RATE_LIMIT_EXPORTS", "30/h"),
    "invitation": env_str("RATE_LIMIT_INVITATIONS", "30/h"),
}

# How long an invitation or sign-in link printed by create_practice stays valid.
SIGN_IN_LINK_MAX_AGE = 60 * 60 * 72
# Reminder emails carry a shorter-lived sign-in link, and pause links that work for 30 days.
REMINDER_SIGN_IN_MAX_AGE = 60 * 60 * 24
PAUSE_LINK_MAX_AGE = 60 * 60 * 24 * 30

# --- Sessions, cookies and headers --------------------------------------------------------------
# Idle and total limits (T-SE-2, within NIST AAL2's 30 minutes and 12 hours); between/sign_in.py
# enforces them. The cookie lives a little longer so that the server, not the browser, ends the
# session: then it knows whose typed text to keep for after sign-in.
SESSION_IDLE_STAFF = env_int("SESSION_IDLE_MINUTES_STAFF", 15) * 60
SESSION_IDLE_CLIENT = env_int("SESSION_IDLE_MINUTES_CLIENT", 30) * 60
SESSION_ABSOLUTE = env_int("SESSION_ABSOLUTE_HOURS", 12) * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE + 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
# T-HD-1: over https the cookies are `__Host-` prefixed, so the browser takes them only with Secure,
# Path=/ and no Domain (no subdomain can set or overwrite them). Over plain http browsers refuse
# `__Host-` cookies, so development keeps Django's names.
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE else "csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
# How many reverse proxies of ours stand in front of the app: the client is the N-th address from
# the right of X-Forwarded-For (lib/client_ip.py); 0 ignores the header. Audit rows and allauth's
# rate limits key on it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
SECURE_HSTS_SECONDS = 63072000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# Not "no-referrer": with it Chromium sends "Origin: null" on form posts and Django's CSRF check
# refuses them. "same-origin" still sends nothing to other sites.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation and static files ----------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it in production; whitenoise wants it to exist
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Logging: one JSON object per line with the request id, and never request bodies ------------------
# {"time", "level", "logger", "message", "request_id", "exception"} (lib/logging.py); JSON escapes
# newlines and escape codes, so input cannot forge a line (T-LG-5).
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "lib.logging.RequestIdFilter"},
        "redact_secret_paths": {"()": "lib.logging.RedactSecretPathsFilter"},
    },
    "formatters": {"json": {"()": "lib.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "json"},
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # At DEBUG it logs every missing template variable with the whole context: the request
        # (its URL with any reset key in it), forms, records (tests/test_no_credentials_in_logs.py).
        "django.template": {"level": "INFO"},
        # Django's own handlers (a plain console under DEBUG, mail to ADMINS) are dropped: its
        # records, django.request's errors and runserver's django.server lines, go up to root's.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # These log request paths: the token of a sign-in or reset link is blanked first.
        "django.request": {"filters": ["redact_secret_paths"]},
        "django.security.csrf": {"filters": ["redact_secret_paths"]},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True, "filters": ["redact_secret_paths"]},
        # run_huey adds a plain-text handler to "huey" unless it has one; the null one stops that
        # and the records still go up to root's JSON console. INFO whatever LOG_LEVEL says, as
        # huey's own default: its start-up line ("Huey consumer started") is what supervisors
        # and tests/reminder_harness.py wait for (run_huey's -q/-v no longer change it).
        "huey": {"handlers": ["null"], "level": "INFO", "propagate": True},
    },
}

if TESTING:
    # Hashing is deliberately slow; tests sign in hundreds of times.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
