"""Which email addresses count as proven. allauth's MFA set-up refuses anyone with an
unverified address, and invited people start unverified (accounts.invitations): every way of
reaching a person's inbox that they then use proves the address it went to. The sign-in link
does it in accounts.invitations, a sign-in by code in allauth itself; a password reset here."""

from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from django.dispatch import receiver


@receiver(password_reset, dispatch_uid="accounts.verification.reset_proves_the_address")
def _reset_proves_the_address(sender, request, user, **kwargs):
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
