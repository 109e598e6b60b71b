from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied, ValidationError

from audit import auth_events
from lib import crypto
from lib.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # People join by invitation only: a practice owner adds therapists, a therapist clients.
        return False

    def get_client_ip(self, request):
        """The real client behind our TRUSTED_PROXY_COUNT proxies (lib/client_ip.py), so allauth's
        rate limits count per person, not per proxy, and a forged X-Forwarded-For is ignored."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials):
        # allauth refuses here, before any password is checked, once an address (or an IP) has
        # failed too often: the trail records the lockout (docs/security.md T-LG-1).
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            auth_events.locked_out(request, credentials)
            raise


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP seeds and recovery-code seeds in clear unless told otherwise
    (docs/security.md, "Library defaults we override"); ours go through the field cipher."""

    AAD = "mfa.Authenticator.data"

    def encrypt(self, text):
        return crypto.encrypt(text, self.AAD)

    def decrypt(self, encrypted_text):
        return crypto.decrypt(encrypted_text, self.AAD)
