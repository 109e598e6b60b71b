"""Crisis resources: where a practice's clients get help right now, set by the practice's owner.

The one rulebook for them (crisis_resources_set checks and words every rule); the crisis page
shows them through practices.access.crisis_resources_for_visitor. A practice that never set its
own shows DEFAULTS: today's international list, which the owner must check for their country.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditAction
from audit.record import record
from lib.validation import checked_text
from practices.models import CrisisResources

NUMBER_ROWS = 8  # numbers the settings page offers; rows left empty are dropped
COUNTRY_MAX = 100
LABEL_MAX = 120
NUMBER_MAX = 20
NOTE_MAX = 1000
# Loose on purpose: the ways numbers are written differ from country to country.
NUMBER_PATTERN = re.compile(r"[0-9+\- ]+\Z")

COUNTRY_REQUIRED = "Say which country these numbers are for."
NUMBER_INVALID = f"Write the number with digits, spaces, + and - only, {NUMBER_MAX} characters at most."
NUMBER_MISSING = "Add the number, or clear the label."
LABEL_MISSING = "Say what this number is, for example “Emergency”."
NO_NUMBERS = "Add at least one number to call."


@dataclass(frozen=True)
class Number:
    label: str
    number: str

    @property
    def tel(self):
        """The number for a tel: link: digits and a leading +, nothing else."""
        digits = re.sub(r"[^0-9+]", "", self.number)
        return digits[:1] + digits[1:].replace("+", "")


@dataclass(frozen=True)
class Resources:
    country: str
    numbers: tuple  # Number, in the order the page lists them
    note: str
    is_default: bool = False
    updated_at: object = None


DEFAULTS = Resources(
    country="International",
    numbers=(
        Number("Emergency, Europe and many countries", "112"),
        Number("Emergency, US and Canada", "911"),
        Number("Emergency, UK", "999"),
        Number("US: Suicide & Crisis Lifeline, call or text", "988"),
        Number("UK and Ireland: Samaritans, free, any time", "116 123"),
    ),
    note="Go to the nearest emergency department, or ask someone you trust to stay with you.",
    is_default=True,
)


def resources_of(row):
    """What the crisis page shows for a CrisisResources row, or DEFAULTS for None."""
    if row is None:
        return DEFAULTS
    return Resources(
        country=row.country,
        numbers=tuple(Number(n["label"], n["number"]) for n in row.numbers),
        note=row.note,
        updated_at=row.updated_at,
    )


def _checked_numbers(errors, rows):
    """The (label, number) rows as stored, empty rows dropped; problems by row, counted from 0
    (`label_3`, `number_3`: the settings form's field names)."""
    numbers = []
    for n, (label, number) in enumerate(rows):
        label = checked_text(errors, f"label_{n}", label, max_length=LABEL_MAX)
        number = checked_text(errors, f"number_{n}", number, max_length=NUMBER_MAX, too_long_message=NUMBER_INVALID)
        if not label and not number:
            continue
        if not number:
            errors.setdefault(f"number_{n}", NUMBER_MISSING)
        elif not NUMBER_PATTERN.match(number) or not any(c.isdigit() for c in number):
            errors.setdefault(f"number_{n}", NUMBER_INVALID)
        if not label:
            errors.setdefault(f"label_{n}", LABEL_MISSING)
        numbers.append({"label": label, "number": " ".join(number.split())})
    if not numbers and not any(key.startswith(("label_", "number_")) for key in errors):
        errors["number_0"] = NO_NUMBERS
    return numbers


def crisis_resources_set(*, practice, actor, country, note="", numbers=()):
    """The owner sets the practice's crisis resources: a country, the numbers to call (a list of
    (label, number), in order) and a line of advice. All problems at once, keyed by field."""
    errors = {}
    country = checked_text(
        errors, "country", country, max_length=COUNTRY_MAX, required=True, required_message=COUNTRY_REQUIRED
    )
    note = checked_text(errors, "note", note, max_length=NOTE_MAX)
    rows = _checked_numbers(errors, numbers)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, _ = CrisisResources.objects.update_or_create(
            practice=practice, defaults={"country": country, "numbers": rows, "note": note, "updated_by": actor}
        )
        record(
            actor=actor, action=AuditAction.UPDATE, object_type="CrisisResources", object_code=practice.code,
            actor_role="owner",
        )  # fmt: skip
    return row
