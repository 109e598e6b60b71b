"""Signing in and the account's credentials, in the audit trail (docs/security.md T-LG-1).

Connected in AuditConfig.ready(): Django's sign-in, sign-out and failed sign-in signals,
allauth's password and email signals, and allauth.mfa's authenticator signals. The lockout
after too many failed sign-ins has no signal; accounts.adapters.AccountAdapter.pre_authenticate
calls `locked_out` when allauth refuses.

Each row: object type "User", no object code (users have no public code) and no client code
(these rows are about an account, not about anyone's record). For an attempt by someone not
signed in, the actor is empty and the label is the email address typed, lower-cased; the
password is never looked at.
"""

from django.contrib.auth import signals as auth_signals

from audit.models import AuditAction
from audit.record import normalised_email, record

USER = "User"


def _record(action, user, request, **extra):
    record(actor=user, action=action, object_type=USER, request=request, look_up_role=True, **extra)


def _typed_email(credentials):
    # Django hands the credentials over with the password masked; only the address is read.
    return normalised_email(credentials.get("email") or credentials.get("username") or "")


def signed_in(sender, request, user, **kwargs):
    _record(AuditAction.SIGN_IN, user, request)


def signed_out(sender, request, user, **kwargs):
    if user is not None:
        _record(AuditAction.SIGN_OUT, user, request)


def sign_in_failed(sender, credentials, request=None, **kwargs):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A signed-in person who failed to confirm their password (reauthentication).
        _record(AuditAction.SIGN_IN_FAILED, user, request, detail="reauthenticate")
    else:
        _record(AuditAction.SIGN_IN_FAILED, None, request, actor_label=_typed_email(credentials))


def locked_out(request, credentials):
    """allauth refused to check the password: too many failed attempts for this address."""
    _record(AuditAction.LOCKED_OUT, None, request, actor_label=_typed_email(credentials))


def login_code_rejected(sender, request, user, last_attempt=False, **kwargs):
    _record(AuditAction.SIGN_IN_FAILED, user, request, detail="login code")


def password_changed(sender, request, user, **kwargs):
    _record(AuditAction.PASSWORD_CHANGED, user, request)


def password_set(sender, request, user, **kwargs):
    _record(AuditAction.PASSWORD_CHANGED, user, request, detail="set")


def password_reset(sender, request, user, **kwargs):
    _record(AuditAction.PASSWORD_RESET, user, request)


def _email_event(detail):
    def receiver(sender, request, email_address=None, user=None, **kwargs):
        owner = user or getattr(email_address, "user", None) or getattr(kwargs.get("to_email_address"), "user", None)
        _record(AuditAction.EMAIL_CHANGED, owner, request, detail=detail)

    receiver.__name__ = f"email_{detail}"
    return receiver


email_added = _email_event("added")
email_removed = _email_event("removed")
email_changed = _email_event("primary")
email_confirmed = _email_event("confirmed")


def _authenticator_event(action, what):
    def receiver(sender, request, user, authenticator, **kwargs):
        _record(action, user, request, detail=f"{what}{getattr(authenticator, 'type', '')}")

    receiver.__name__ = f"mfa_{action}_{what}"
    return receiver


mfa_added = _authenticator_event(AuditAction.MFA_ADDED, "")
mfa_reset = _authenticator_event(AuditAction.MFA_ADDED, "reset ")
mfa_removed = _authenticator_event(AuditAction.MFA_REMOVED, "")
mfa_failed = _authenticator_event(AuditAction.MFA_FAILED, "")


def connect():
    from allauth.account import signals as account
    from allauth.mfa import signals as mfa

    pairs = [
        (auth_signals.user_logged_in, signed_in),
        (auth_signals.user_logged_out, signed_out),
        (auth_signals.user_login_failed, sign_in_failed),
        (account.login_code_rejected, login_code_rejected),
        (account.password_changed, password_changed),
        (account.password_set, password_set),
        (account.password_reset, password_reset),
        (account.email_added, email_added),
        (account.email_removed, email_removed),
        (account.email_changed, email_changed),
        (account.email_confirmed, email_confirmed),
        (mfa.authenticator_added, mfa_added),
        (mfa.authenticator_removed, mfa_removed),
        (mfa.authenticator_reset, mfa_reset),
        (mfa.authentication_failed, mfa_failed),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"audit.auth_events.{receiver.__name__}")
