"""Start-up checks for what `check --deploy` does not know about."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_matches_allowed_hosts(app_configs, **kwargs):
    host = urlsplit(settings.SITE_URL).hostname
    if settings.DEBUG or host in settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        return []
    return [
        Error(
            f"SITE_URL's host {host!r} is not in ALLOWED_HOSTS, so links in emails would lead to an error page.",
            hint="Add it to ALLOWED_HOSTS or correct SITE_URL.",
            id="between.E001",
        )
    ]


@register(Tags.security, deploy=True)
def emails_leave_the_machine(app_configs, **kwargs):
    # A printing backend under DEBUG=0 stops the start in settings.py unless ALLOW_CONSOLE_EMAIL
    # is set (a trial install); that, or a backend that drops mail, is still not a deployment.
    if settings.DEBUG or "smtp" in settings.EMAIL_BACKEND:
        return []
    return [
        Warning(
            "Emails (invitations, sign-in links and codes) are not sent: "
            f"{settings.EMAIL_BACKEND} prints or drops them.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587, and unset ALLOW_CONSOLE_EMAIL.",
            id="between.W001",
        )
    ]


@register(Tags.security, deploy=True)
def site_url_is_https(app_configs, **kwargs):
    if settings.DEBUG or settings.SITE_URL.startswith("https://"):
        return []
    return [
        Warning(
            "SITE_URL is not https: cookies are sent without the Secure flag and HSTS is off.",
            hint="Serve Between over HTTPS and set SITE_URL=https://…",
            id="between.W002",
        )
    ]
