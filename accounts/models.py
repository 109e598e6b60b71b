import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: therapists, practice owners and clients alike, by email."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignInLinkQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class SignInLink(models.Model):
    """A single-use, expiring link that signs a person in (invitations, create_practice).

    Only the SHA-256 of the token is stored, so a database dump holds no working link.
    Opening the link shows a button; only the POST consumes it, so an email scanner that
    pre-opens links cannot use it up. The first open also exchanges the token for the session
    (accounts.views) and leaves the link at most OPENED_LIFETIME to live.
    """

    OPENED_LIFETIME = timedelta(minutes=15)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    objects = SignInLinkQuerySet.as_manager()

    def __str__(self):
        return f"Sign-in link for {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"

    @classmethod
    def issue(cls, user, max_age=None):
        """Return (link, token); the token exists only in the caller's hands."""
        token = secrets.token_urlsafe(32)
        seconds = max_age or settings.SIGN_IN_LINK_MAX_AGE
        link = cls.objects.create(
            user=user, token_hash=_hash_token(token), expires_at=timezone.now() + timedelta(seconds=seconds)
        )
        return link, token

    @classmethod
    def issue_many(cls, users, max_age):
        """One link per user in one INSERT (a batch of reminder emails); returns the tokens in order."""
        tokens = [secrets.token_urlsafe(32) for _ in users]
        expires_at = timezone.now() + timedelta(seconds=max_age)
        cls.objects.bulk_create(
            cls(user=user, token_hash=_hash_token(token), expires_at=expires_at)
            for user, token in zip(users, tokens, strict=True)
        )
        return tokens

    @classmethod
    def find_usable(cls, token: str):
        return cls.find_usable_by_hash(_hash_token(token))

    @classmethod
    def find_usable_by_hash(cls, token_hash: str):
        return cls.objects.usable().select_related("user").filter(token_hash=token_hash).first()

    def mark_opened(self):
        """The first open leaves the link at most OPENED_LIFETIME; later opens change nothing."""
        now = timezone.now()
        SignInLink.objects.filter(pk=self.pk, opened_at__isnull=True).update(
            opened_at=now, expires_at=min(self.expires_at, now + self.OPENED_LIFETIME)
        )
        self.refresh_from_db(fields=["opened_at", "expires_at"])

    def consume(self) -> bool:
        """Mark used with a conditional update; False when another request used it first."""
        changed = SignInLink.objects.filter(pk=self.pk, used_at__isnull=True).update(used_at=timezone.now())
        return changed == 1
