"""Therapist forms: tailoring an assignment, reviewing it, replying under an entry.

They parse types and draw widgets only; every rule and its wording is the write functions'
(homework.assigning, homework.recording), so a page and the API refuse alike.
"""

from django import forms

from homework.assigning import GOAL_NOT_THIS_CLIENTS, PRIVATE_ENTRY_KINDS, TEXT_MAX, TITLE_MAX
from homework.models import WEEKDAY_NAMES, Amount, ExpectedDifficulty, Frequency, Quality, ReviewDecision
from homework.recording import RISK_NOTE_MAX

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label, *, required=False, rows=3, help_text="", limit=TEXT_MAX):
    # `required` and the limit only guide the browser; the write function decides and words it.
    attrs = {"rows": rows, "maxlength": limit}
    if required:
        attrs["required"] = True
    return forms.CharField(
        label=label, required=False, strip=False, help_text=help_text, widget=forms.Textarea(attrs=attrs)
    )


class AssignmentForm(forms.Form):
    """What the client is given. Built for one client: only their goals can be chosen."""

    title = forms.CharField(
        label="Title",
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "required": True}),
    )
    instructions = _text("Instructions, in the client's words", required=True, rows=5)
    rationale = _text("Why it helps", required=True, help_text="The reason you agreed on together.")
    goal = forms.ModelChoiceField(
        label="Goal it serves",
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label="No linked goal",
        error_messages={"invalid_choice": GOAL_NOT_THIS_CLIENTS},
    )
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices, widget=forms.RadioSelect)
    times_per_week = forms.IntegerField(
        label="Times a week",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 7}),
        help_text="Only for “a number of times a week” (1–7).",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On these weekdays",
        required=False,
        coerce=int,
        choices=list(enumerate(WEEKDAY_NAMES)),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "inline-choices"}),
        help_text="Only for “on chosen weekdays”.",
    )
    when_where = _text("When and where", rows=2, help_text="For example: after breakfast, at the kitchen table.")
    reminder_times = forms.CharField(
        label="Reminder times",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100, "inputmode": "text", "autocomplete": "off"}),
        help_text="Times of day in the client's time zone, e.g. 19:00, 21:30. Left blank, the time in "
        "“when and where” is used (“after dinner” means 19:00); write “none” for no reminders.",
    )
    starts_on = forms.DateField(label="Starts on", widget=DATE_INPUT)
    due_on = forms.DateField(label="Due on", widget=DATE_INPUT, help_text="Usually the next appointment.")
    barriers = _text("What might get in the way", rows=2)
    if_then_plan = _text("If-then plan", rows=2, help_text="If (the barrier) happens, then I will …")
    expected_difficulty = forms.ChoiceField(
        label="Expected difficulty", choices=ExpectedDifficulty.choices, initial=ExpectedDifficulty.MODERATE
    )
    confidence = forms.IntegerField(
        label="Client's confidence they will do it (0–10)",
        widget=forms.NumberInput(attrs={"min": 0, "max": 10}),
        help_text="Below 7? Consider making it easier.",
    )
    # Journals and reflections only (homework.assigning.PRIVATE_ENTRY_KINDS): left off the form
    # for the other kinds.
    allows_private_entries = forms.BooleanField(
        label="Let the client keep an entry private",
        required=False,
        help_text="For what they write for themself first. You then see that they wrote and when, never what, "
        "and no ratings; an answer that signals risk still reaches you as a risk flag on a private entry.",
    )

    def __init__(self, *args, client, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["goal"].queryset = client.goals.all()
        if kind not in PRIVATE_ENTRY_KINDS:
            del self.fields["allows_private_entries"]

    def assignment_fields(self):
        """The cleaned data as keyword arguments for homework.assigning."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}


class AssignmentEditForm(AssignmentForm):
    # The version the editor started from; the write refuses to overwrite a newer one.
    version = forms.IntegerField(widget=forms.HiddenInput)


def _rating(label, choices):
    # 0-3, or left empty ("not rated", None): the write function checks the range.
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "Not rated"), *((value, f"{value} · {text}") for value, text in choices)],
        coerce=int,
        empty_value=None,
        required=False,
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=ReviewDecision.choices, widget=forms.RadioSelect)
    quantity = _rating("How much of it was done", Amount.choices)
    quality = _rating("How well it was done", Quality.choices)
    note = _text("Note (optional)", rows=2, help_text="What you agreed in session.")


class ReplyForm(forms.Form):
    body = _text("Your reply", required=True, rows=3)


class RiskSeenForm(forms.Form):
    risk_note = _text(
        "Note (optional)",
        rows=2,
        help_text="What you did, for example: called, safety plan reviewed. The client does not see it.",
        limit=RISK_NOTE_MAX,
    )
