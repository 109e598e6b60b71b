"""The one exception for an edit that cannot be applied as asked: the record changed since the
person opened it, or it is locked now. Pages answer 409 and show `message` above what was typed
(nothing is lost); the API answers 409 {"detail": message, "reason": reason}."""

STALE = "stale"
LOCKED = "locked"


class EditConflict(Exception):
    def __init__(self, message, *, reason=STALE):
        super().__init__(message)
        self.message = message
        self.reason = reason

    @property
    def is_locked(self):
        return self.reason == LOCKED
