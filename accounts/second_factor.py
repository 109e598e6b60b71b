"""Enrolment in a second factor without the browser flow: for the demo (`make run` prints a
recovery code for each demo therapist) and for test fixtures. People enrol through allauth's
own pages; this calls the same allauth classes those pages call (pinned in uv.lock)."""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from allauth.mfa.utils import decrypt


def enrol_totp(user):
    """Give `user` an authenticator app and recovery codes (once); returns the TOTP secret."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
    else:
        secret = decrypt(existing.data["secret"])
    RecoveryCodes.activate(user)
    return secret


def current_totp_code(secret, at=None):
    """The code an authenticator app shows at `at` (now) for `secret`."""
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def unused_recovery_code(user):
    """One recovery code not used yet, making a fresh set when all ten are spent."""
    instance = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    codes = RecoveryCodes(instance).get_unused_codes()
    if not codes:
        instance.delete()
        codes = RecoveryCodes.activate(user).get_unused_codes()
    return codes[0]
