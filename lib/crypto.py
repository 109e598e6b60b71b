"""AES-256-GCM for free text at rest (lib/README.md).

A token is "<key id>:<base64(nonce + ciphertext)>". The key id lets older keys keep decrypting
after rotation and leaves room for per-client keys later. The associated data binds a token to
its table and column so a ciphertext copied into another column does not decrypt.
"""

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


@lru_cache(maxsize=8)
def _parse_keys(spec: tuple[str, ...]) -> tuple[list[str], dict[str, AESGCM]]:
    order, keys = [], {}
    for item in spec:
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries look like 'k1:<base64 of 32 bytes>'")
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if len(raw) != 32:
            raise ImproperlyConfigured(f"Field encryption key {key_id!r} must be 32 bytes")
        order.append(key_id)
        keys[key_id] = AESGCM(raw)
    if not order:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return order, keys


def _keys():
    return _parse_keys(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str, aad: str) -> str:
    order, keys = _keys()
    key_id = order[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = keys[key_id].encrypt(nonce, plaintext.encode(), aad.encode())
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, aad: str) -> str:
    _, keys = _keys()
    key_id, _, encoded = token.partition(":")
    if key_id not in keys:
        raise ImproperlyConfigured(f"No field encryption key with id {key_id!r} is configured")
    blob = base64.urlsafe_b64decode(encoded)
    return keys[key_id].decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()).decode()
