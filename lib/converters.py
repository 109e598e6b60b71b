"""URL converters: only something shaped like a record code (lib.codes) reaches a view."""

from lib.codes import CODE_LENGTH


class CodeConverter:
    regex = f"[A-Za-z0-9_-]{{{CODE_LENGTH}}}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
