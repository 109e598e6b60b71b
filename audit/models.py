from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    # Client data
    READ = "read", "Read"
    LIST = "list", "Listed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Denied"
    # Signing in and the account's credentials
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out"
    SIGN_OUT = "sign_out", "Signed out"
    MFA_ADDED = "mfa_added", "Second factor added"
    MFA_REMOVED = "mfa_removed", "Second factor removed"
    MFA_FAILED = "mfa_failed", "Second factor failed"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET = "password_reset", "Password reset"
    EMAIL_CHANGED = "email_changed", "Email address changed"


# The rows about signing in and credentials, not about anyone's clinical record.
AUTH_ACTIONS = frozenset(
    {
        AuditAction.SIGN_IN,
        AuditAction.SIGN_IN_FAILED,
        AuditAction.LOCKED_OUT,
        AuditAction.SIGN_OUT,
        AuditAction.MFA_ADDED,
        AuditAction.MFA_REMOVED,
        AuditAction.MFA_FAILED,
        AuditAction.PASSWORD_CHANGED,
        AuditAction.PASSWORD_RESET,
        AuditAction.EMAIL_CHANGED,
    }
)


class ActorRole(models.TextChoices):
    OWNER = "owner", "Practice owner"
    THERAPIST = "therapist", "Therapist"
    CLIENT = "client", "Client"
    ANONYMOUS = "anonymous", "Not signed in"
    UNKNOWN = "", "Unknown"


class Outcome(models.TextChoices):
    OK = "ok", "Done"
    DENIED = "denied", "Refused"
    FAILED = "failed", "Failed"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted")


class AuditEvent(models.Model):
    """Who touched which client's data, or their own sign-in, when and from where. References
    only, never what anyone wrote. One link of a hash chain (audit/chain.py)."""

    # The place in the chain: consecutive, so a deleted row shows as a gap.
    seq = models.PositiveBigIntegerField(unique=True)
    # Set by audit.record in Python (microseconds, UTC) before the row is hashed.
    at = models.DateTimeField(db_index=True)
    # The id stays when the user is deleted (no constraint, nothing cascades); the label and
    # role say who it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_label = models.CharField(max_length=300, blank=True)
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices, blank=True)
    # Codes, not foreign keys: the trail outlives the rows it speaks of.
    client_code = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=40)
    object_code = models.CharField(max_length=16, blank=True)
    # A route name for a refused page, the kind of a credential change: never a query string.
    detail = models.CharField(max_length=80, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-seq"]
        indexes = [
            models.Index(fields=["actor", "at"], name="audit_event_actor_time"),
            models.Index(fields=["client_code", "at"], name="audit_event_client_time"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_code}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted")

    @property
    def actor_name(self):
        """The label without the email address (pages show names, never a client's address)."""
        if self.actor_role == ActorRole.ANONYMOUS:
            return ""  # the label is the address someone typed
        name, _, _ = self.actor_label.partition(" <")
        return "" if name.startswith("<") else name
