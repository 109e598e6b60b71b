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
    if settings.DEBUG or "smtp" in settings.EMAIL_BACKEND:
        return []
    return [
        Warning(
            "Emails (invitations, sign-in codes) are printed to the console, not sent.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587.",
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
