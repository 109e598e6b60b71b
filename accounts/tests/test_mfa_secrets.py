import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from accounts.second_factor import current_totp_code

pytestmark = pytest.mark.django_db


def test_a_totp_secret_is_stored_encrypted_and_still_checks_codes(therapist_a):
    # Every fixture therapist is enrolled (conftest.make_therapist); the secret is on the user.
    secret = therapist_a.totp_secret
    stored = Authenticator.objects.get(user=therapist_a, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored and stored.startswith("k")
    totp = TOTP(Authenticator.objects.get(user=therapist_a, type=Authenticator.Type.TOTP))
    assert totp.validate_code(current_totp_code(secret))
    assert not totp.validate_code(current_totp_code(secret)), "a code works once"
