"""Form definitions in the shape of FHIR R4 Questionnaire.item: check them, build the Django form
a client fills, clean answers into JSON, show them back, and export them as FHIR.

Web pages and the JSON API both go through `answers_form_class`, so an answer is accepted or
refused by the same rules wherever it comes from. Field values arrive either as form text (HTML)
or as JSON types (API); the fields below accept both.
"""

import math
import re
from datetime import date, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format, time_format
from django.utils.html import escape

from homework.models import Outcome

ITEM_TYPES = ("display", "string", "text", "integer", "decimal", "boolean", "choice", "date", "time")
ITEM_KEYS = {
    "linkId", "text", "type", "required", "repeats", "answerOption",
    "minValue", "maxValue", "maxLength", "helpText", "riskIfAbove",
}  # fmt: skip
NUMBER_TYPES = {"integer", "decimal"}
# Keys that only mean something for some types; elsewhere they are a mistake worth reporting.
KEY_TYPES = {
    "answerOption": {"choice"},
    "minValue": NUMBER_TYPES,
    "maxValue": NUMBER_TYPES,
    "maxLength": {"string", "text"},
    "riskIfAbove": {"integer", "decimal", "choice"},
}
REPEATABLE_TYPES = {"string", "text", "choice"}
# Field names and HTML ids come from linkIds; a leading letter keeps them clear of our own
# form attributes (which start with "_").
LINK_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}\Z")

REQUIRED = "This question needs an answer."
CHOOSE_ONE = "Choose one of the options."
CHOOSE_ANY = "Choose from the options shown."
TOO_LONG = "Keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."
SINGLE_ANSWER = "This question takes a single answer."
YES, NO = "yes", "no"


class AnswersInvalid(ValidationError):
    """Answers that break the form's rules; `errors` maps each linkId to messages for a person."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


# --- Checking a definition ---------------------------------------------------------------------


def validate_definition(items) -> None:
    if not isinstance(items, list):
        raise ValidationError("A form definition is a list of items.")
    seen = set()
    problems = [f"Item {n}: {problem}" for n, item in enumerate(items, 1) for problem in _item_problems(item, seen)]
    if problems:
        raise ValidationError(problems)


def _item_problems(item, seen):
    if not isinstance(item, dict):
        yield "must be an object."
        return
    if unknown := set(item) - ITEM_KEYS:
        yield f"unknown keys {', '.join(sorted(unknown))}."
    link_id = item.get("linkId")
    if not isinstance(link_id, str) or not LINK_ID.match(link_id):
        yield "linkId must start with a letter and use only letters, digits, '_', '.' or '-' (64 at most)."
    elif link_id in seen:
        yield f"linkId {link_id!r} is used twice."
    else:
        seen.add(link_id)
    if not _is_text(item.get("text")):
        yield "text is required."
    if not isinstance(item.get("helpText", ""), str):
        yield "helpText must be text."
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        yield f"type must be one of {', '.join(ITEM_TYPES)}."
        return
    for flag in ("required", "repeats"):
        if not isinstance(item.get(flag, False), bool):
            yield f"{flag} must be true or false."
    if kind == "display" and (item.get("required") or item.get("repeats")):
        yield "a display item cannot be required or repeat."
    elif item.get("repeats") is True and kind not in REPEATABLE_TYPES:
        yield f"only {', '.join(sorted(REPEATABLE_TYPES))} items can repeat."
    for key, types in KEY_TYPES.items():
        if key in item and kind not in types:
            yield f"{key} only applies to {', '.join(sorted(types))} items."
    if kind == "choice":
        yield from _option_problems(item)
    if kind in NUMBER_TYPES:
        yield from _range_problems(item, whole=kind == "integer")
    if "maxLength" in item and not (_is_whole(item["maxLength"]) and item["maxLength"] > 0):
        yield "maxLength must be a whole number above 0."
    if "riskIfAbove" in item and not _is_number(item["riskIfAbove"]):
        yield "riskIfAbove must be a number."


def _option_problems(item):
    options = item.get("answerOption")
    if not isinstance(options, list) or not options:
        yield "a choice item needs at least one answerOption."
        return
    codes = []
    for option in options:
        coding = option.get("valueCoding") if isinstance(option, dict) else None
        if not (isinstance(coding, dict) and _is_text(coding.get("code")) and _is_text(coding.get("display"))):
            yield "each answerOption needs a valueCoding with a code and a display text."
            return
        codes.append(coding["code"])
    if len(set(codes)) != len(codes):
        yield "answerOption codes must be unique."
    if "riskIfAbove" in item and not all(_is_number_text(code) for code in codes):
        yield "riskIfAbove needs option codes that are numbers."


def _range_problems(item, *, whole):
    is_bound = _is_whole if whole else _is_number
    for key in ("minValue", "maxValue"):
        if key in item and not is_bound(item[key]):
            yield f"{key} must be a {'whole ' if whole else ''}number."
    low, high = item.get("minValue"), item.get("maxValue")
    if is_bound(low) and is_bound(high) and low > high:
        yield "minValue is above maxValue."


def _is_text(value):
    return isinstance(value, str) and bool(value.strip())


def _is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_number_text(value):
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


# --- The form ----------------------------------------------------------------------------------


class YesNoField(forms.ChoiceField):
    """A yes/no question: required means "answer it", not "answer yes" (unlike BooleanField)."""

    widget = forms.RadioSelect

    def __init__(self, **kwargs):
        super().__init__(choices=[(YES, "Yes"), (NO, "No")], **kwargs)

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        if value in self.empty_values:
            return None
        answer = str(value).strip().lower()
        if answer in (YES, "true"):
            return True
        if answer in (NO, "false"):
            return False
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})

    def validate(self, value):
        # ChoiceField.validate would compare True/False with the "yes"/"no" choice keys.
        forms.Field.validate(self, value)


class SingleTextField(forms.CharField):
    def to_python(self, value):
        # CharField would turn a JSON list or object into its Python repr and accept it.
        if isinstance(value, (list, dict)):
            raise ValidationError(SINGLE_ANSWER, code="invalid")
        return super().to_python(value)


class LinesField(forms.Field):
    """Several short answers: one per non-empty line of a textarea, or a JSON list of strings."""

    widget = forms.Textarea
    default_error_messages = {"max_length": TOO_LONG}

    def __init__(self, *, max_length=None, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            value = value.splitlines()
        elif not (isinstance(value, list) and all(isinstance(line, str) for line in value)):
            raise ValidationError("Write each answer on its own line.", code="invalid")
        return [line.strip() for line in value if line.strip()]

    def validate(self, value):
        super().validate(value)
        longest = max(map(len, value), default=0)
        if self.max_length is not None and longest > self.max_length:
            raise ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={"limit_value": self.max_length, "show_value": longest},
            )


class AnswersForm(forms.Form):
    """Base of every built form; `_items` is the definition it was built from."""

    _items: list = []

    def ordered_items(self):
        """The whole questionnaire in order: ("display", text) or ("field", bound field)."""
        for item in self._items:
            if item["type"] == "display":
                yield "display", item["text"]
            else:
                yield "field", self[item["linkId"]]

    def cleaned_answers(self) -> dict:
        """After is_valid(): JSON-ready answers by linkId, unanswered optional items left out."""
        return {
            link_id: value.isoformat() if isinstance(value, (date, time)) else value
            for link_id, value in self.cleaned_data.items()
            if value not in (None, "", [])
        }


def answers_form_class(items) -> type[forms.Form]:
    """A form class for a definition that passed validate_definition."""
    fields = {item["linkId"]: _field(item) for item in items if item["type"] != "display"}
    return type("AnswersForm", (AnswersForm,), {"_items": items, **fields})


def _field(item):
    kind = item["type"]
    messages = {"required": REQUIRED}
    common = {
        "label": item["text"],
        "required": item.get("required", False),
        # Django's own form templates mark help_text safe; definitions can come from therapists.
        "help_text": escape(item.get("helpText", "")),
        "error_messages": messages,
    }
    if kind in ("string", "text"):
        messages["max_length"] = TOO_LONG
        widget = forms.Textarea(attrs={"rows": 4}) if kind == "text" or item.get("repeats") else forms.TextInput
        if item.get("repeats"):
            common["help_text"] = common["help_text"] or "Put each answer on its own line."
            return LinesField(max_length=item.get("maxLength"), widget=widget, **common)
        return SingleTextField(max_length=item.get("maxLength"), widget=widget, **common)
    if kind in NUMBER_TYPES:
        low, high = item.get("minValue"), item.get("maxValue")
        message = _number_message(kind, low, high)
        messages.update(invalid=message, min_value=message, max_value=message)
        field_class = forms.IntegerField if kind == "integer" else forms.FloatField
        return field_class(min_value=low, max_value=high, **common)
    if kind == "boolean":
        messages["invalid_choice"] = "Answer yes or no."
        return YesNoField(**common)
    if kind == "choice":
        choices = [(o["valueCoding"]["code"], o["valueCoding"]["display"]) for o in item["answerOption"]]
        if item.get("repeats"):
            messages.update(invalid_choice=CHOOSE_ANY, invalid_list=CHOOSE_ANY)
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        messages["invalid_choice"] = CHOOSE_ONE
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "date":
        messages["invalid"] = "Enter a date, for example 2025-03-31."
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    messages["invalid"] = "Enter a time, for example 14:30."
    return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)


def _number_message(kind, low, high):
    noun = "a whole number" if kind == "integer" else "a number"
    if low is not None and high is not None:
        return f"Enter {noun} between {_number(low)} and {_number(high)}."
    if low is not None:
        return f"Enter {noun} of {_number(low)} or more."
    if high is not None:
        return f"Enter {noun} of {_number(high)} or less."
    return f"Enter {noun}."


def _number(value):
    return str(int(value)) if float(value).is_integer() else str(value)


# --- Answers -----------------------------------------------------------------------------------


def validate_answers(items, data) -> dict:
    """Clean answers (form data or a JSON object; keys that are not linkIds are ignored)."""
    form = answers_form_class(items)(data=data)
    if not form.is_valid():
        raise AnswersInvalid({link_id: list(messages) for link_id, messages in form.errors.items()})
    return form.cleaned_answers()


def initial_from_answers(items, answers) -> dict:
    """Stored answers as a form's `initial`, so an entry can be edited."""
    initial = {}
    for item in items:
        value = answers.get(item["linkId"])
        if item["type"] == "display" or value is None:
            continue
        if item["type"] == "boolean":
            value = YES if value else NO
        elif item.get("repeats") and item["type"] != "choice":
            value = "\n".join(value)
        elif item["type"] == "time":
            value = time.fromisoformat(value)  # so the input shows 14:30, not 14:30:00
        initial[item["linkId"]] = value
    return initial


def answer_rows(items, answers) -> list[dict]:
    """Answered questions in order, each value as a person would read it."""
    return [
        {"linkId": item["linkId"], "text": item["text"], "value": "; ".join(_readable(item, one) for one in values)}
        for item, values in _answered(items, answers)
    ]


def _answered(items, answers):
    """(item, list of its answers) for each answered question, in the definition's order."""
    for item in items:
        value = answers.get(item["linkId"])
        if item["type"] != "display" and value not in (None, "", []):
            yield item, value if isinstance(value, list) else [value]


def _readable(item, value):
    kind = item["type"]
    if kind == "choice":
        return _option_displays(item).get(value, str(value))
    if kind == "boolean":
        return "Yes" if value else "No"
    if kind == "date":
        return date_format(date.fromisoformat(value))
    if kind == "time":
        return time_format(time.fromisoformat(value), "H:i")
    if kind == "decimal":
        return _number(value)
    return str(value)


def _option_displays(item):
    return {o["valueCoding"]["code"]: o["valueCoding"]["display"] for o in item["answerOption"]}


# --- FHIR R4 -----------------------------------------------------------------------------------

FHIR_EXTENSIONS = "http://hl7.org/fhir/StructureDefinition"
ANSWER_KEYS = {
    "string": "valueString",
    "text": "valueString",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "boolean": "valueBoolean",
    "choice": "valueCoding",
    "date": "valueDate",
    "time": "valueTime",
}


def to_fhir_questionnaire(version) -> dict:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "title": version.title,
        "version": str(version.number),
        "description": version.summary,
        "item": [_fhir_item(item) for item in version.items],
    }


def _fhir_item(item):
    out = {"linkId": item["linkId"], "text": item["text"], "type": item["type"]}
    for key in ("required", "repeats", "maxLength", "answerOption"):
        if item.get(key):
            out[key] = item[key]
    # R4 has no minValue/maxValue elements on items, only these standard extensions.
    bounds = [
        {"url": f"{FHIR_EXTENSIONS}/{key}", ANSWER_KEYS[item["type"]]: item[key]}
        for key in ("minValue", "maxValue")
        if key in item
    ]
    if bounds:
        out["extension"] = bounds
    if item.get("helpText"):
        out["item"] = [_fhir_help(item)]
    return out


def _fhir_help(item):
    # The FHIR way to attach help: a child display item whose itemControl is "help".
    control = {"coding": [{"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help"}]}
    return {
        "linkId": f"{item['linkId']}.help",
        "text": item["helpText"],
        "type": "display",
        "extension": [{"url": f"{FHIR_EXTENSIONS}/questionnaire-itemControl", "valueCodeableConcept": control}],
    }


def to_fhir_response(entry) -> dict:
    answered = _answered(entry.assignment.template_version.items, entry.answers)
    return {
        "resourceType": "QuestionnaireResponse",
        # FHIR's "stopped": started but not finished, which is what a skipped practice is.
        "status": "stopped" if entry.outcome == Outcome.SKIPPED else "completed",
        "authored": entry.created_at.isoformat(),
        "item": [
            {
                "linkId": item["linkId"],
                "text": item["text"],
                "answer": [{ANSWER_KEYS[item["type"]]: _fhir_value(item, one)} for one in values],
            }
            for item, values in answered
        ],
    }


def _fhir_value(item, value):
    if item["type"] == "choice":
        return {"code": value, "display": _option_displays(item).get(value, value)}
    return value
