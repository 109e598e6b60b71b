"""Invitations into a therapist's care: "Add a client" sends one, the invitee answers it.

No existence oracle (docs/security.md, "Decisions"). Whether the typed address is new to Between
or already has an account (another practice's client, a therapist), the therapist gets the same
answer, the same row in their pending list and nobody in their caseload until the invitee, signed
in, accepts. A new address gets its account now (accounts.invitations, no password), so both kinds
of invitee sign in the same way. Why an acceptance cannot go through (already in care elsewhere, a
therapist's account) is said to the invitee alone.

Within the therapist's own practice a second invitation is refused in plain words: the address is
already one of the practice's clients or therapists, or has an invitation waiting.

Write functions as in practices.clients (keyword-only, one transaction, audited at the point of
change). The door for the invitee's page is get_invitation_for_invitee: only the invited account
sees an invitation; anyone else gets the 404 a missing code gets.
"""

from datetime import UTC, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.invitations import invited_user_create
from accounts.models import User
from audit.door import fetch_one
from audit.models import AuditAction
from audit.record import record
from lib.validation import DATE_OUT_OF_RANGE, checked_text, date_problem
from practices.clients import NAME_MAX, appointment_create
from practices.events import care_invited
from practices.models import CareInvitation, Client, InvitationStatus, Membership, validate_timezone

INVITATION_DAYS = 14
EMAIL_MAX = 254

# To the therapist: only about their own practice.
EMAIL_INVALID = "Enter a valid email address."
EMAIL_IN_PRACTICE = "This address is already in your practice's list (one of its clients or therapists)."
EMAIL_INVITED = "Your practice has already invited this address; the invitation is waiting for an answer."

# To the invitee alone.
NOT_OPEN = "This invitation is no longer open. Ask the therapist who sent it for a new one."
ACCEPTED = "You accepted this invitation."
DECLINED = "You declined this invitation. Nothing of yours was shared."
EXPIRED = "This invitation has expired. Ask {therapist} to send you a new one."
IS_THERAPIST = (
    "You use this account as a therapist in Between, so it cannot also be a client's account. "
    "Ask {therapist} to invite another email address of yours."
)
IN_CARE_HERE = "You are already in care with {practice}."
IN_CARE = (
    "You are already in care with {practice} in Between, and an account can be in the care of one "
    "practice only. Ask {therapist} to invite another email address of yours."
)
EARLIER_CARE = (
    "Your earlier care with {practice} is kept in Between, and an account can belong to the care of "
    "one practice only. Ask {therapist} to invite another email address of yours."
)


def _now():
    return timezone.now()  # (care_invite's `timezone` argument is a zone name, not this module)


def normalised_email(email):
    """The form every address is compared and stored in (as accounts.invitations stores it)."""
    return User.objects.normalize_email((email or "").strip()).lower()


def _checked(name, email, tz_name, next_appointment):
    errors = {}
    name = checked_text(errors, "name", name, max_length=NAME_MAX, required=True, required_message="Enter a name.")
    address = normalised_email(email)
    try:
        if len(address) > EMAIL_MAX:
            raise ValidationError(EMAIL_INVALID)
        validate_email(address)
    except ValidationError:
        errors["email"] = EMAIL_INVALID
    try:
        validate_timezone(tz_name)
    except ValidationError as exc:
        errors["timezone"] = exc.messages
    if next_appointment is not None and date_problem(next_appointment.astimezone(UTC).date()):
        errors["next_appointment"] = DATE_OUT_OF_RANGE
    if errors:
        raise ValidationError(errors)
    return name, address


def _account_of(address):
    """(user, found): the account that owns `address`. Found without a user: the address is only
    someone's unconfirmed new address, which proves nothing about whose it is."""
    user = User.objects.filter(email__iexact=address).first()
    if user is not None:
        return user, True
    other = EmailAddress.objects.filter(email__iexact=address).select_related("user").first()
    if other is not None:
        return (other.user if other.verified else None), True
    return None, False


def _new_account(address, name):
    try:
        with transaction.atomic():
            return invited_user_create(email=address, name=name)
    except (IntegrityError, ValidationError):
        # Another request created it a moment ago: it is an existing account now.
        return _account_of(address)[0]


def _refuse_within_practice(practice, address, user):
    if CareInvitation.objects.open().filter(practice=practice, email=address).exists():
        raise ValidationError({"email": EMAIL_INVITED})
    if user is not None and (
        Client.objects.filter(practice=practice, user=user).exists()
        or Membership.objects.filter(practice=practice, user=user).exists()
    ):
        raise ValidationError({"email": EMAIL_IN_PRACTICE})


def care_invite(*, therapist, practice, name, email, timezone, next_appointment=None):
    """Invite someone into `therapist`'s care; the email goes out on commit (notifications).

    The same steps and the same result for a new address and for one that has an account:
    only a new address gets its account created here (no Client row for anyone yet).
    next_appointment (aware) is booked when the invitee accepts, if it is still ahead then.
    Raises ValidationError keyed by field; on "email" only for the practice's own list.
    """
    name, address = _checked(name, email, timezone, next_appointment)
    now = _now()
    with transaction.atomic():
        user, found = _account_of(address)
        _refuse_within_practice(practice, address, user)
        # An expired invitation still marked pending would block the new one (one pending per address).
        CareInvitation.objects.filter(
            practice=practice, email=address, status=InvitationStatus.PENDING, expires_at__lte=now
        ).update(status=InvitationStatus.EXPIRED)
        if not found:
            user = _new_account(address, name)
        if user is not None and not user.is_active:
            user = None  # a closed account: nobody to write to, and nobody who could accept
        try:
            with transaction.atomic():
                invitation = CareInvitation.objects.create(
                    practice=practice,
                    therapist=therapist,
                    user=user,
                    email=address,
                    name=name,
                    timezone=timezone,
                    next_appointment=next_appointment,
                    expires_at=now + timedelta(days=INVITATION_DAYS),
                )
        except IntegrityError as exc:
            # Two people of the practice inviting the same address at once: the index decides.
            raise ValidationError({"email": EMAIL_INVITED}) from exc
        record(actor=therapist, action=AuditAction.CREATE, obj=invitation)
        if user is not None:
            care_invited.send(sender=CareInvitation, invitation=invitation)
    return invitation


def pending_invitations_sent_by(therapist, practice):
    """The therapist's own invitations still waiting for an answer, newest first. They read the
    same for a new address and an existing account: what was typed, and when."""
    return (
        CareInvitation.objects.open()
        .filter(therapist=therapist, practice=practice)
        .only("code", "email", "name", "created_at", "expires_at")
        .order_by("-created_at", "-pk")
    )


def get_invitation_for_invitee(user, code, *, request=None):
    """The invitation with this code if it was sent to `user`; otherwise 404 (and a "denied" row)."""
    queryset = CareInvitation.objects.select_related("therapist", "practice").filter(user=user)
    return fetch_one(queryset, user=user, code=code, request=request)


def acceptance_problem(invitation, user):
    """Why `user` cannot accept `invitation`, in a sentence for them alone; None when they can."""
    words = {"therapist": invitation.therapist.name, "practice": invitation.practice.name}
    if invitation.status == InvitationStatus.ACCEPTED:
        return ACCEPTED
    if invitation.status == InvitationStatus.DECLINED:
        return DECLINED
    if invitation.status == InvitationStatus.EXPIRED or invitation.expires_at <= _now():
        return EXPIRED.format(**words)
    if not Membership.objects.filter(user_id=invitation.therapist_id, practice_id=invitation.practice_id).exists():
        return NOT_OPEN  # the therapist has left the practice since
    if Membership.objects.filter(user=user).exists():
        return IS_THERAPIST.format(**words)
    # One account, one Client row (Client.user is one-to-one): a row elsewhere, active or not,
    # holds that practice's records, which must never move to another practice.
    current = Client.objects.filter(user=user).select_related("practice").first()
    if current is not None:
        words["practice"] = current.practice.name
        if not current.is_active:
            return EARLIER_CARE.format(**words)
        return (IN_CARE_HERE if current.practice_id == invitation.practice_id else IN_CARE).format(**words)
    return None


def _own(invitation, user):
    # A second line behind get_invitation_for_invitee.
    if invitation.user_id is None or invitation.user_id != user.pk:
        raise PermissionDenied("Only the invited account answers an invitation.")


def care_invitation_accept(*, invitation, user):
    """The invitee comes into the therapist's care: their Client row in the inviting practice,
    audited as created, and the appointment the therapist typed if it is still ahead.
    Raises ValidationError with acceptance_problem's sentence when they cannot."""
    _own(invitation, user)
    with transaction.atomic():
        problem = acceptance_problem(invitation, user)
        if problem:
            raise ValidationError(problem)
        now = _now()
        # Conditional: a second click, or a decline in another tab, cannot accept twice.
        taken = CareInvitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.PENDING, expires_at__gt=now
        ).update(status=InvitationStatus.ACCEPTED, answered_at=now)
        if not taken:
            raise ValidationError(NOT_OPEN)
        try:
            with transaction.atomic():
                client = Client.objects.create(
                    practice=invitation.practice,
                    therapist=invitation.therapist,
                    user=user,
                    timezone=invitation.timezone,
                )
        except IntegrityError as exc:
            # Another invitation of theirs was accepted a moment ago.
            raise ValidationError(NOT_OPEN) from exc
        # The invitee's own request writes the row, so the trail names them as its actor.
        record(actor=user, action=AuditAction.CREATE, obj=client, client=client)
        if invitation.next_appointment is not None and invitation.next_appointment > now:
            appointment_create(actor=user, client=client, starts_at=invitation.next_appointment)
    invitation.status, invitation.answered_at = InvitationStatus.ACCEPTED, now
    return client


def care_invitation_decline(*, invitation, user):
    """The invitee says no: nothing joins anyone's caseload, the therapist's list drops it."""
    _own(invitation, user)
    with transaction.atomic():
        now = _now()
        changed = CareInvitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.PENDING, expires_at__gt=now
        ).update(status=InvitationStatus.DECLINED, answered_at=now)
        if not changed:
            raise ValidationError(NOT_OPEN)
        invitation.status, invitation.answered_at = InvitationStatus.DECLINED, now
        record(actor=user, action=AuditAction.UPDATE, obj=invitation)
    return invitation
