"""A practice and its therapists: the first install step and inviting colleagues.

Clients are added in practices/clients.py; the accounts themselves come from
accounts.invitations.
"""

from django.db import transaction

from accounts.invitations import invited_user_create
from accounts.models import SignInLink
from practices.events import therapist_invited
from practices.models import Membership, Practice, Role


def practice_create(*, name, owner_email, owner_name):
    """The first step of an install: a practice, its owner, and a sign-in link for the owner."""
    with transaction.atomic():
        practice = Practice.objects.create(name=name.strip())
        owner = invited_user_create(email=owner_email, name=owner_name)
        Membership.objects.create(practice=practice, user=owner, role=Role.OWNER)
        _, token = SignInLink.issue(owner)
    return practice, owner, token


def therapist_invite(*, practice, name, email):
    """A colleague's account and membership; the invitation email goes out on commit."""
    with transaction.atomic():
        user = invited_user_create(email=email, name=name)
        membership = Membership.objects.create(practice=practice, user=user, role=Role.THERAPIST)
        therapist_invited.send(sender=Membership, membership=membership)
    return membership
