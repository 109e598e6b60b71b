"""Accounts for people we invite, and the emailed link that signs them in the first time.

Who invites whom (an owner, a therapist, a client) is practices' business (practices.team,
practices.clients)."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError

from accounts.models import User

EMAIL_TAKEN = "Someone with this email address already has an account."


def email_in_use(email):
    return (
        User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def invited_user_create(*, email, name, email_taken=EMAIL_TAKEN):
    """An account for someone we invite: no password yet, the address not yet proven.

    Call inside the caller's transaction. Raises ValidationError on "email" when taken; the
    unique index still decides when two requests race, as an IntegrityError the caller maps.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if email_in_use(email):
        raise ValidationError({"email": email_taken})
    user = User.objects.create_user(email=email, name=name.strip())
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def invitation_accept(request, link):
    """Use up a sign-in link and sign its owner in. Returns an HttpResponse or None if used already."""
    from allauth.account.utils import perform_login

    if not link.consume():
        return None
    user = link.user
    # Opening the emailed link proves the address, which MFA set-up later relies on.
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
    return perform_login(request, user, redirect_url="/")
