"""Forms of the therapist pages about clients, goals and appointments."""

import datetime
import zoneinfo
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from practices.clients import GOAL_DESCRIPTION_MAX, GOAL_TITLE_MAX, NAME_MAX, local_to_aware
from practices.crisis import COUNTRY_MAX, LABEL_MAX, NOTE_MAX, NUMBER_MAX, NUMBER_ROWS
from practices.models import GoalStatus

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


@lru_cache(maxsize=1)
def timezone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed as the client's wall clock; cleaned to a naive datetime.

    The form turns it into an aware datetime with local_to_aware once it knows the zone.
    """

    widget = DATETIME_INPUT

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(**kwargs)

    def to_python(self, value):
        # Parse without Django's shift through the active time zone: the zone is the client's.
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None)
        try:
            result = parse_datetime(str(value).strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if result is None:
            result = forms.fields.BaseTemporalField.to_python(self, value)
        return result.replace(tzinfo=None)

    def prepare_value(self, value):
        # Initial values are already naive local times; never shift them to the server's zone.
        return value


def _localize(form, field, tz_name):
    value = form.cleaned_data.get(field)
    if value is None or not tz_name:
        return
    try:
        form.cleaned_data[field] = local_to_aware(value, tz_name)
    except ValidationError as exc:
        form.add_error(field, exc)


def _text_input(limit, **attrs):
    # The limit and `required` only guide the browser; the write function decides and words it.
    return forms.TextInput(attrs={"maxlength": limit, "required": True, **attrs})


class ClientAddForm(forms.Form):
    name = forms.CharField(label="Name", required=False, widget=_text_input(NAME_MAX, autocomplete="off"))
    email = forms.EmailField(
        label="Email",
        help_text="The invitation to sign in goes here.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices, help_text="Reminders follow this clock.")
    next_appointment = LocalDateTimeField(
        label="Next appointment (optional)", required=False, help_text="In the client's time zone."
    )

    def clean(self):
        cleaned = super().clean()
        _localize(self, "next_appointment", cleaned.get("timezone"))
        return cleaned


class ClientEditForm(forms.Form):
    name = forms.CharField(label="Name", required=False, widget=_text_input(NAME_MAX))
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices)
    is_active = forms.BooleanField(
        label="In my care (active)",
        required=False,
        help_text="Turning this off hides the client and their homework everywhere; nothing is deleted.",
    )


class GoalForm(forms.Form):
    title = forms.CharField(label="Goal", required=False, widget=_text_input(GOAL_TITLE_MAX))
    description = forms.CharField(
        required=False,
        label="Details (optional)",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": GOAL_DESCRIPTION_MAX}),
    )
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices, initial=GoalStatus.ACTIVE)


class AppointmentForm(forms.Form):
    starts_at = LocalDateTimeField(label="Date and time")

    def __init__(self, *args, tz_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name
        self.fields["starts_at"].help_text = f"In the client's time zone ({tz_name})."

    def clean(self):
        cleaned = super().clean()
        _localize(self, "starts_at", self.tz_name)
        return cleaned


class InviteTherapistForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)


class CrisisResourcesForm(forms.Form):
    """The owner's crisis resources: a country, up to NUMBER_ROWS numbers with what each one is,
    and a line of advice. Types only: practices.crisis.crisis_resources_set words every refusal,
    beside the field it names (`label_3`, `number_3`)."""

    country = forms.CharField(
        label="Country",
        required=False,
        strip=False,
        help_text="Where your clients are; the numbers below must work there.",
        widget=forms.TextInput(attrs={"maxlength": COUNTRY_MAX, "required": True}),
    )
    note = forms.CharField(
        label="What else to do",
        required=False,
        strip=False,
        help_text="Shown under the numbers, for example where the nearest emergency department is.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(NUMBER_ROWS):
            self.fields[f"label_{n}"] = forms.CharField(
                label="What it is",
                required=False,
                strip=False,
                widget=forms.TextInput(attrs={"maxlength": LABEL_MAX}),
            )
            self.fields[f"number_{n}"] = forms.CharField(
                label="Phone number",
                required=False,
                strip=False,
                widget=forms.TextInput(attrs={"maxlength": NUMBER_MAX, "inputmode": "tel", "autocomplete": "off"}),
            )

    @property
    def rows(self):
        """(number, label field, number field) per row, for the page."""
        return [(n + 1, self[f"label_{n}"], self[f"number_{n}"]) for n in range(NUMBER_ROWS)]

    @staticmethod
    def initial_from(resources):
        """The form's initial values for practices.crisis.Resources (the defaults included)."""
        initial = {"country": resources.country, "note": resources.note}
        for n, number in enumerate(resources.numbers[:NUMBER_ROWS]):
            initial[f"label_{n}"], initial[f"number_{n}"] = number.label, number.number
        return initial

    def resources_values(self):
        """Keyword arguments for practices.crisis.crisis_resources_set."""
        data = self.cleaned_data
        return {
            "country": data["country"],
            "note": data["note"],
            "numbers": [(data[f"label_{n}"], data[f"number_{n}"]) for n in range(NUMBER_ROWS)],
        }
