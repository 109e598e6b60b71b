import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

pytestmark = pytest.mark.django_db


def test_a_totp_secret_is_stored_encrypted_and_still_checks_codes(therapist_a):
    secret = generate_totp_secret()
    totp = TOTP.activate(therapist_a, secret)
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert secret not in stored and stored.startswith("k")
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    assert TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(code)
