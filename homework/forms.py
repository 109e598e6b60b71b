"""Therapist forms: tailoring an assignment, reviewing it, replying under an entry."""

from django import forms

from homework.models import WEEKDAY_NAMES, ExpectedDifficulty, Frequency, ReviewDecision

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT_LIMIT = 4000


def _text(label, *, required=False, rows=3, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AssignmentForm(forms.Form):
    """What the client is given. Built for one client: only their goals can be chosen."""

    title = forms.CharField(label="Title", max_length=200)
    instructions = _text("Instructions, in the client's words", required=True, rows=5)
    rationale = _text("Why it helps", required=True, help_text="The reason you agreed on together.")
    goal = forms.ModelChoiceField(
        label="Goal it serves", queryset=None, required=False, to_field_name="code", empty_label="No linked goal"
    )
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices, widget=forms.RadioSelect)
    times_per_week = forms.IntegerField(
        label="Times a week",
        required=False,
        min_value=1,
        max_value=7,
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
    starts_on = forms.DateField(label="Starts on", widget=DATE_INPUT)
    due_on = forms.DateField(label="Due on", widget=DATE_INPUT, help_text="Usually the next appointment.")
    barriers = _text("What might get in the way", rows=2)
    if_then_plan = _text("If-then plan", rows=2, help_text="If (the barrier) happens, then I will …")
    expected_difficulty = forms.ChoiceField(
        label="Expected difficulty", choices=ExpectedDifficulty.choices, initial=ExpectedDifficulty.MODERATE
    )
    confidence = forms.IntegerField(
        label="Client's confidence they will do it (0–10)",
        min_value=0,
        max_value=10,
        help_text="Below 7? Consider making it easier.",
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["goal"].queryset = client.goals.all()
        self.fields["goal"].error_messages["invalid_choice"] = "Choose one of this client's goals."

    def clean(self):
        cleaned = super().clean()
        frequency = cleaned.get("frequency")
        if (
            frequency == Frequency.TIMES_PER_WEEK
            and not cleaned.get("times_per_week")
            and "times_per_week" not in self.errors
        ):
            self.add_error("times_per_week", "Say how many times a week (1–7).")
        if frequency == Frequency.WEEKDAYS and not cleaned.get("weekdays"):
            self.add_error("weekdays", "Tick at least one weekday.")
        starts_on, due_on = cleaned.get("starts_on"), cleaned.get("due_on")
        if starts_on and due_on and due_on < starts_on:
            self.add_error("due_on", "The due date cannot be before the start date.")
        return cleaned

    def assignment_fields(self):
        """The cleaned data as keyword arguments for homework.assigning."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}


class AssignmentEditForm(AssignmentForm):
    # The version the editor started from; the write refuses to overwrite a newer one.
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=ReviewDecision.choices, widget=forms.RadioSelect)
    note = _text("Note (optional)", rows=2, help_text="What you agreed in session.")


class ReplyForm(forms.Form):
    body = _text("Your reply", required=True, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].error_messages["required"] = "Write a reply before sending."
