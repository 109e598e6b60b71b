"""Model fields whose contents are encrypted at rest with lib.crypto (free text only)."""

import json

from django.db import models

from lib import crypto


class EncryptedTextField(models.TextField):
    """Text stored as an AES-GCM token. Cannot be filtered or ordered on, by design."""

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        self._aad = f"{cls._meta.app_label}.{cls.__name__}.{name}"

    def to_plain(self, value):
        return value

    def from_plain(self, value):
        return value

    def get_prep_value(self, value):
        value = self.to_plain(value)
        if value is None:
            return None
        return crypto.encrypt(value, self._aad)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_plain(crypto.decrypt(value, self._aad))

    def to_python(self, value):
        return value


class EncryptedJSONField(EncryptedTextField):
    """A JSON document (e.g. the answers of an entry) encrypted as one token."""

    def to_plain(self, value):
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    def from_plain(self, value):
        return json.loads(value)


class PublicCodeField(models.CharField):
    """The random code that stands for a row in URLs; integer keys never leave the server."""

    def __init__(self, *args, **kwargs):
        from lib.codes import new_code

        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", new_code)
        super().__init__(*args, **kwargs)
