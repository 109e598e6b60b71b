"""Forms the client fills around an exercise: how the practice went, ratings, a comment.

They parse types and draw widgets only; every rule and its wording is homework.recording's, so
the page and the API refuse the same input with the same words. The exercise's own questions
come from homework.items (one form per template version); these forms carry everything else. They use the prefix "log" so their names can never collide with an
exercise item's linkId (a therapist's own template may well have an item called "comment").
"""

from django import forms

from homework.models import Amount, FeltDifficulty, Helpfulness, Outcome, Quality, SkipReason
from homework.recording import COMMENT_MAX, NOTE_MAX
from lib.forms import AnyChoiceField, AnyIntegerChoiceField

PREFIX = "log"


def _textarea(rows, limit):
    # The browser stops typing at the limit; the write function words the rule.
    return forms.Textarea(attrs={"rows": rows, "maxlength": limit})


class EntryMetaForm(forms.Form):
    """Outcome, skip reason, date, ratings and an optional first comment of a new entry."""

    outcome = AnyChoiceField(label="How did it go?", choices=Outcome.choices, widget=forms.RadioSelect, required=False)
    skip_reason = AnyChoiceField(
        label="If you skipped it: what got in the way?",
        choices=SkipReason.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Only if you skipped. There is no wrong answer; it helps your therapist adjust the plan.",
    )
    skip_note = forms.CharField(
        label="Anything you want to add about why",
        widget=_textarea(2, NOTE_MAX),
        required=False,
        strip=False,
        help_text="Needed if you chose “Something else”.",
    )
    occurred_on = forms.DateField(
        label="Which day was this?",
        help_text="Today, unless you are catching up on an earlier day.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    helpfulness = AnyIntegerChoiceField(
        label="How helpful was it?",
        choices=[(value, f"{value} – {label}") for value, label in Helpfulness.choices],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    difficulty = AnyChoiceField(
        label="How hard was it?", choices=FeltDifficulty.choices, widget=forms.RadioSelect, required=False
    )
    wants_to_discuss = forms.BooleanField(label="I want to talk about this in my next session", required=False)
    comment = forms.CharField(
        label="A note to your therapist (optional)",
        widget=_textarea(3, COMMENT_MAX),
        required=False,
        strip=False,
    )

    def __init__(self, *args, assignment, today, earliest=None, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.today = today
        self.earliest = earliest or assignment.starts_on
        self.fields["occurred_on"].initial = today
        self.fields["occurred_on"].widget.attrs.update(min=self.earliest.isoformat(), max=today.isoformat())

    @property
    def is_skipped(self):
        """The outcome the client chose, read before validation so the exercise form knows
        whether its answers are required."""
        return self.data.get(self.add_prefix("outcome")) == Outcome.SKIPPED

    def entry_values(self):
        """Keyword arguments for recording.entry_record / entry_update (no answers)."""
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "occurred_on": data["occurred_on"],
            "skip_reason": data["skip_reason"],
            "skip_note": data["skip_note"],
            "helpfulness": data["helpfulness"],
            "difficulty": data["difficulty"],
            "wants_to_discuss": data["wants_to_discuss"],
        }


class EntryEditForm(EntryMetaForm):
    """The same questions for an entry already logged, plus the version the client started from.

    Comments are added on the entry page instead, so the thread stays in one place."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, entry, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "outcome": entry.outcome,
                "skip_reason": entry.skip_reason,
                "skip_note": entry.skip_note,
                "occurred_on": entry.occurred_on,
                "helpfulness": entry.helpfulness,
                "difficulty": entry.difficulty,
                "wants_to_discuss": entry.wants_to_discuss,
                "version": entry.version,
            },
        )
        # A practice logged earlier stays valid even if the therapist moved the start date later.
        kwargs.setdefault("earliest", min(entry.occurred_on, entry.assignment.starts_on))
        super().__init__(*args, **kwargs)
        del self.fields["comment"]


class CommentForm(forms.Form):
    body = forms.CharField(label="Add a comment", widget=_textarea(3, COMMENT_MAX), required=False, strip=False)


def _number_or_as_sent(value):
    # A number when it is one; anything else goes on as sent, so the write function words it.
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class SelfRatingForm(forms.Form):
    """The client's own view of how much and how well they did an assignment (0-3 each)."""

    quantity = AnyIntegerChoiceField(
        label="How much of it did you do?",
        choices=Amount.choices,
        coerce=_number_or_as_sent,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    quality = AnyIntegerChoiceField(
        label="How well did it go?",
        choices=Quality.choices,
        coerce=_number_or_as_sent,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
