import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from lib.fields import EncryptedJSONField, EncryptedTextField, PublicCodeField


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list (for example Europe/Berlin).")


class Practice(models.Model):
    code = PublicCodeField()
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Practice owner"
    THERAPIST = "therapist", "Therapist"


class Membership(models.Model):
    """A therapist's place in a practice. Owners treat clients too and may invite colleagues."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One membership per person and practice; invitations rely on it to stay idempotent.
            models.UniqueConstraint(fields=["user", "practice"], name="practices_membership_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} in {self.practice} ({self.role})"

    @property
    def is_owner(self):
        return self.role == Role.OWNER


class ClientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Client(models.Model):
    """A person in a therapist's care. Only the treating therapist sees their clinical data."""

    code = PublicCodeField()
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="clients")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="client_profile")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["therapist", "is_active"], name="practices_client_caseload")]

    def __str__(self):
        return self.user.name

    @property
    def name(self):
        return self.user.name

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self):
        return timezone.localdate(timezone=self.tz)


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    SET_ASIDE = "set_aside", "Set aside"


class Goal(models.Model):
    code = PublicCodeField()
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.title


class AppointmentQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now()).order_by("starts_at")


class Appointment(models.Model):
    code = PublicCodeField()
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["client", "starts_at"], name="practices_appt_client_time")]

    def __str__(self):
        return f"Appointment {self.starts_at:%Y-%m-%d %H:%M}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


class CareInvitationQuerySet(models.QuerySet):
    def open(self):
        """Still waiting for an answer and not yet expired (an expired row may still say pending)."""
        return self.filter(status=InvitationStatus.PENDING, expires_at__gt=timezone.now())


class CareInvitation(models.Model):
    """A therapist's invitation to come into their care; the Client row exists only once the
    invitee, signed in, accepts (practices.invitations).

    Every "Add a client" becomes one, whether the address is new to Between or already has an
    account, so the therapist cannot tell the two apart (docs/security.md, "No existence oracle").
    `user` is the account the address belonged to, or was created for, when the therapist sent it;
    None when the address could not be tied to an account safely (then no email goes out).
    """

    code = PublicCodeField()
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="care_invitations")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_invitations_sent"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="care_invitations"
    )
    # What the therapist typed: the address (normalised) and the name their list shows.
    email = models.EmailField()
    name = models.CharField(max_length=150)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    next_appointment = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = CareInvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            # One open invitation per address and practice; a second "Add" is refused in the
            # practice's own words (practices.invitations.EMAIL_INVITED).
            models.UniqueConstraint(
                fields=["practice", "email"],
                condition=models.Q(status="pending"),
                name="practices_careinvitation_one_pending",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "status"], name="practices_invite_therapist"),
            models.Index(fields=["user", "status"], name="practices_invite_user"),
        ]

    def __str__(self):
        return f"Invitation {self.code} ({self.status})"

    @property
    def is_open(self):
        return self.status == InvitationStatus.PENDING and self.expires_at > timezone.now()


class CrisisResources(models.Model):
    """Where a practice's clients get help right now, as its owner set it (practices.crisis); a
    practice without a row shows the international defaults (practices.crisis.DEFAULTS)."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="crisis_resources")
    country = EncryptedTextField()
    # [{"label": "Emergency", "number": "112"}, ...] in the order the crisis page lists them.
    numbers = EncryptedJSONField(default=list)
    note = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "crisis resources"

    def __str__(self):
        return f"Crisis resources of {self.practice}"
