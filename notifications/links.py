"""Signed links that work without signing in: pause reminders (from an email) and the private
calendar feed. Both carry public codes only, never a name or anything clinical.

A pause link is signed with a timestamp and expires (settings.PAUSE_LINK_MAX_AGE); the feed link
has no expiry but carries the feed's current secret, so issuing a new one or turning the feed
off makes every older link fail.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

PAUSE_SALT = "between.notifications.pause"
FEED_SALT = "between.notifications.feed"
ALL = "all"


class BadLink(Exception):
    """The link was changed or is not ours."""


class ExpiredLink(BadLink):
    """The link was ours but is too old."""


def pause_token(client_code, assignment_code=ALL):
    return signing.dumps({"c": client_code, "a": assignment_code}, salt=PAUSE_SALT, compress=False)


def read_pause_token(token):
    """(client code, assignment code or ALL); raises ExpiredLink or BadLink."""
    try:
        payload = signing.loads(token, salt=PAUSE_SALT, max_age=settings.PAUSE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ExpiredLink from None
    except signing.BadSignature:
        raise BadLink from None
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), str) or not isinstance(payload.get("a"), str):
        raise BadLink
    return payload["c"], payload["a"]


def pause_url(client_code, assignment_code=ALL):
    return settings.SITE_URL + reverse("notifications:pause", args=[pause_token(client_code, assignment_code)])


def new_feed_nonce():
    return secrets.token_urlsafe(24)


def feed_token(client_code, nonce):
    return signing.Signer(salt=FEED_SALT).sign(f"{client_code}.{nonce}")


def read_feed_token(token):
    """(client code, nonce); raises BadLink. The caller compares the nonce with the stored one."""
    try:
        value = signing.Signer(salt=FEED_SALT).unsign(token)
    except signing.BadSignature:
        raise BadLink from None
    client_code, _, nonce = value.partition(".")
    if not client_code or not nonce:
        raise BadLink
    return client_code, nonce


def feed_url(client_code, nonce):
    return settings.SITE_URL + reverse("notifications:feed", args=[feed_token(client_code, nonce)])
