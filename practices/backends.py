"""The authentication backend: allauth's, loading with the user what every request asks next.

Each signed-in request needs to know whether the person is staff (MFA is then compulsory, the
idle limit shorter) and whether they have a second factor. Annotating the user query answers
both in the read Django makes anyway, instead of two more queries per page.
"""

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from practices.models import Membership

# Recovery codes only back up another factor; alone they are not one.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def users_with_roles():
    return get_user_model()._default_manager.annotate(
        is_practice_member=Exists(Membership.objects.filter(user=OuterRef("pk"))),
        has_second_factor=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTORS)),
    )


class RoleAwareBackend(AuthenticationBackend):
    def get_user(self, user_id):
        user = users_with_roles().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def is_staff_member(user):
    """A therapist or practice owner (anyone with a membership)."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "is_practice_member"):
        user.is_practice_member = Membership.objects.filter(user=user).exists()
    return user.is_practice_member


def has_second_factor(user):
    """Asked again whenever the annotation is missing (the request that signs in) or may be
    stale (the request that just enrolled): only a True answer is cached."""
    if getattr(user, "has_second_factor", False):
        return True
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()
