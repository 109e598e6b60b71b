from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from lib import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # People join by invitation only: a practice owner adds therapists, a therapist clients.
        return False


class MFAAdapter(DefaultMFAAdapter):
    """allauth stores TOTP seeds and recovery-code seeds in clear unless told otherwise
    (docs/security.md, "Library defaults we override"); ours go through the field cipher."""

    AAD = "mfa.Authenticator.data"

    def encrypt(self, text):
        return crypto.encrypt(text, self.AAD)

    def decrypt(self, encrypted_text):
        return crypto.decrypt(encrypted_text, self.AAD)
