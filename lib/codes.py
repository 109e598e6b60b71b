"""Public codes for URLs: random, unguessable, and never the integer primary key."""

import secrets

CODE_LENGTH = 12


def new_code() -> str:
    return secrets.token_urlsafe(9)  # 12 url-safe characters, 72 bits
