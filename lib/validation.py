"""Checks every door applies to what people type, before it is stored.

Text must be storable and showable forever: no NUL byte (PostgreSQL refuses it) and no lone
surrogate (it cannot be encoded as UTF-8, so every page that later renders it would fail).
Dates must stay inside the range a client's time zone can turn into an instant. The write
functions call these; the web forms and the API schemas only parse types.
"""

from datetime import date

from django.core.exceptions import ValidationError

# Django's own wording for NUL bytes, so a page (whose CharFields also refuse them) and the API
# say the same thing.
NUL_MESSAGE = "Null characters are not allowed."
UNENCODABLE_MESSAGE = "This text contains characters that cannot be saved. Remove them and try again."
# Wide enough for any homework, narrow enough that converting between any two zones stays
# inside what Python's datetime can represent (year 1 to 9999).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DATE_OUT_OF_RANGE = "Choose a date between 1900 and 2199."


def text_problem(value):
    """The message for text that cannot be stored, or None when it is fine."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return UNENCODABLE_MESSAGE
    return None


def checked_text(errors, field, value, *, max_length, required=False, required_message="", too_long_message=""):
    """Stripped text, with a message added to `errors[field]` when it breaks a rule."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Enter text."
        return ""
    text = value.strip()
    problem = text_problem(text)
    if problem:
        errors[field] = problem
    elif required and not text:
        errors[field] = required_message or "This field is required."
    elif len(text) > max_length:
        errors[field] = too_long_message or f"Keep this under {max_length} characters."
    return text


def date_problem(day):
    """The message for a date outside the supported range, or None."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return DATE_OUT_OF_RANGE
    return None


def answers_problems(answers, path=""):
    """{linkId: message} for every string anywhere inside JSON answers that cannot be stored."""
    problems = {}
    if isinstance(answers, dict):
        for key, value in answers.items():
            key_problem = text_problem(key) if isinstance(key, str) else None
            if key_problem:
                problems[path or "answers"] = key_problem
            else:
                problems.update(answers_problems(value, path or key))
    elif isinstance(answers, list):
        for value in answers:
            problems.update(answers_problems(value, path))
    else:
        problem = text_problem(answers)
        if problem:
            problems[path or "answers"] = problem
    return problems


def add_errors(exc, form, *more_forms):
    """Put a write function's ValidationError beside the fields it names, in whichever of the
    forms has that field (a log page has the form around an exercise and the exercise's own);
    the rest goes to the top of the first form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        owner = next((f for f in (form, *more_forms) if field in f.fields), None)
        (owner or form).add_error(field if owner else None, errors)


def saved(form, write, **values):
    """`write(**values)`, or None with the refusal's messages shown beside `form`'s fields."""
    try:
        return write(**values)
    except ValidationError as exc:
        add_errors(exc, form)
        return None
