"""Forms the client fills around an exercise: how the practice went, ratings, a comment.

They parse types and draw widgets only; every rule and its wording is homework.recording's, so
the page and the API refuse the same input with the same words. The exercise's own questions
come from homework.items (one form per template version); these forms carry everything else. They use the prefix "log" so their names can never collide with an
exercise item's linkId (a therapist's own template may well have an item called "comment").

`for_the_phone` draws the exercise's questions for a thumb (the fields and their parsing stay
homework.items'): small rating scales become a row of tap targets, 0-100 ratings carry the hint
static/js/log-form.js turns into a slider, minutes get quick picks, and a new entry's times and
dates start at now and today. `quick_fields` picks the few questions the today page's quick log
asks.
"""

import re

from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from homework.assigning import private_entries_allowed
from homework.models import Amount, ExerciseKind, FeltDifficulty, Helpfulness, Outcome, Quality, SkipReason
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
        # "3 – Quite" to a screen reader; on screen the number over the word, five in a row.
        choices=[
            (
                value,
                format_html(
                    '<span class="n">{}</span><span class="w"><span class="sr-only"> – </span>{}</span>', value, label
                ),
            )
            for value, label in Helpfulness.choices
        ],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    difficulty = AnyChoiceField(
        label="How hard was it?", choices=FeltDifficulty.choices, widget=forms.RadioSelect, required=False
    )
    wants_to_discuss = forms.BooleanField(label="I want to talk about this in my next session", required=False)
    # Only where the therapist allowed private entries (or on an entry that already is private).
    is_private = forms.BooleanField(
        label="Keep this entry private",
        required=False,
        help_text="Your therapist then sees only that you did it, and when: not what you wrote, your ratings or "
        "comments. If an answer suggests you may be in danger, they are still told that.",
    )
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
        if not (private_entries_allowed(assignment) or self.initial.get("is_private")):
            del self.fields["is_private"]

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
            # Not on the form: None, which keeps the entry as it is (recording.entry_update).
            "is_private": data["is_private"] if "is_private" in self.fields else None,
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
                "is_private": entry.is_private,
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


# --- The exercise's questions on a phone ---------------------------------------------------------

SCALE_MAX_STEPS = 10  # 0-10 (or 1-5) is a row of radios; wider ranges up to 100 a slider
SLIDER_MAX_STEPS = 100
QUICK_MINUTES = (5, 10, 15, 20, 30)
OTHER = "other"
# The today page's quick log: only these kinds, only when every required question is a tap (or a
# time or date we fill in), and never more than a few of them.
QUICK_KINDS = frozenset({ExerciseKind.SKILL_PRACTICE, ExerciseKind.BEHAVIOUR_TO_AVOID})
QUICK_MAX_QUESTIONS = 3
QUICK_MAX_OPTIONS = 6


class ScaleRadioSelect(forms.RadioSelect):
    """A rating as a row of numbers to tap; includes/field.html gives it a fieldset and legend."""

    def __init__(self, choices):
        super().__init__(attrs={"class": "scale"}, choices=choices)


class DurationPicks(forms.Widget):
    """Minutes as quick picks (5, 10, 15, 20, 30) plus "Other" with a number box.

    The box keeps the field's own name, so what is typed there parses like any number; a pick
    sends `<name>:pick` (":" never appears in a linkId) and wins unless it is "Other". Without
    JavaScript the box always shows (type in it, or tap a pick); log-form.js shows it only for
    "Other" or a value that is not a pick."""

    use_fieldset = True

    def __init__(self, *, low=None, high=None, picks=QUICK_MINUTES):
        super().__init__()
        self.low, self.high = low, high
        self.picks = tuple(m for m in picks if (low is None or m >= low) and (high is None or m <= high))

    @staticmethod
    def pick_name(name):
        return f"{name}:pick"

    def value_from_datadict(self, data, files, name):
        pick = data.get(self.pick_name(name))
        if pick in {str(minutes) for minutes in self.picks}:
            return pick
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and self.pick_name(name) not in data

    def id_for_label(self, id_):
        return ""  # the legend names the group

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        base_id = attrs.pop("id", None) or f"id_{name}"
        text = "" if value is None else str(value)
        chosen = text if text in {str(m) for m in self.picks} else (OTHER if text else "")

        def radio(index, pick, label):
            checked = " checked" if chosen == str(pick) else ""
            return format_html(
                '<div><label for="{id}_{n}"><input type="radio" name="{name}" value="{value}" id="{id}_{n}"{checked}> '
                "{label}</label></div>",
                id=base_id, n=index, name=self.pick_name(name), value=pick, checked=checked, label=label,
            )  # fmt: skip

        picks = format_html_join(
            "",
            "{}",
            ((radio(n, minutes, format_html('{}<span class="sr-only"> minutes</span>', minutes)),) for n, minutes in
             enumerate(self.picks)),
        )  # fmt: skip
        other = radio(len(self.picks), OTHER, "Other")
        bounds = format_html_join(
            "",
            ' {}="{}"',
            ((key, bound) for key, bound in (("min", self.low), ("max", self.high)) if bound is not None),
        )
        extra = format_html_join("", ' {}="{}"', sorted(attrs.items()))
        return format_html(
            '<div id="{id}" class="picks" data-picks>{picks}{other}</div>'
            '<div class="pick-other" data-pick-other><label for="{id}_minutes">Other: how many minutes?</label>'
            '<input type="number" name="{name}" id="{id}_minutes" inputmode="numeric"{bounds} value="{text}"{extra}></div>',
            id=base_id, picks=picks, other=other, name=name, bounds=bounds, text=text, extra=extra,
        )  # fmt: skip


def _anchors(item):
    """The words for the two ends of a rating, read from its help ("0 is fully relaxed, 10 the
    most tense you can imagine"): (low, high), or (None, None) when the help says it otherwise."""
    low, high = item["minValue"], item["maxValue"]
    match = re.match(
        rf"\s*{low}\s+(?:is|means)\s+(?P<low>.+?),\s*(?:and\s+)?{high}\s+(?:is\s+|means\s+|that\s+)?(?P<high>.+?)\.?\s*$",
        item.get("helpText", ""),
    )
    return (match["low"], match["high"]) if match else (None, None)


def _scale_choices(item):
    low, high = item["minValue"], item["maxValue"]
    low_words, high_words = _anchors(item)
    words = {low: low_words, high: high_words}
    return [
        (n, format_html('{}<span class="sr-only"> – {}</span>', n, words[n]) if words.get(n) else str(n))
        for n in range(low, high + 1)
    ]


def _span(item):
    if item["type"] != "integer" or "minValue" not in item or "maxValue" not in item:
        return None
    return item["maxValue"] - item["minValue"]


def is_scale(item):
    span = _span(item)
    return span is not None and 1 <= span <= SCALE_MAX_STEPS


def is_minutes(item):
    # Definitions have no unit; the built-in library names its durations "..._minutes".
    return item["type"] == "integer" and re.search(r"(?:^|_)minutes\Z", item["linkId"]) is not None


def _is_tap(item):
    """A question answered with one tap: a small scale, yes/no, a short single choice, minutes."""
    if item["type"] == "boolean" or is_scale(item) or is_minutes(item):
        return True
    return item["type"] == "choice" and not item.get("repeats") and len(item["answerOption"]) <= QUICK_MAX_OPTIONS


def for_the_phone(form, *, client=None):
    """Swap the widgets of an exercise form (homework.items.answers_form_class) for ones a thumb
    can use; with `client`, a new entry's time questions start at the client's local now and its
    dates at their today. Parsing is untouched: the fields stay as items built them."""
    now = timezone.localtime(timezone=client.tz) if client is not None else None
    previous = None
    for item in form._items:
        if item["type"] == "display":
            previous = None
            continue
        field = form.fields[item["linkId"]]
        if is_minutes(item):
            field.widget = DurationPicks(low=item.get("minValue"), high=item.get("maxValue"))
        elif is_scale(item):
            field.widget = ScaleRadioSelect(_scale_choices(item))
            # A rating right under one explained the same way says it once; the ends of the
            # scale still carry the words (for a screen reader, in the labels).
            if previous is not None and is_scale(previous) and previous.get("helpText") == item.get("helpText"):
                field.help_text = ""
        elif _span(item) is not None and _span(item) <= SLIDER_MAX_STEPS:
            # A number box without JavaScript; log-form.js makes it a slider with its value shown.
            field.widget.attrs.update({"data-slider": "", "inputmode": "numeric"})
        elif item["type"] == "boolean":
            field.widget.attrs["class"] = "chips"
        field.widget.is_required = field.required
        if now is not None and item["type"] == "time":
            field.initial = now.time().replace(second=0, microsecond=0)
        elif now is not None and item["type"] == "date":
            field.initial = now.date()
        previous = item
    return form


def quick_fields(form, kind):
    """The questions the today page's quick log asks for an exercise of `kind` (every required
    one, each a tap; times and dates are filled in when it is saved), or None when the exercise
    needs more than a quick log can give."""
    if kind not in QUICK_KINDS:
        return None
    asked = []
    for item in form._items:
        if item["type"] == "display" or not item.get("required"):
            continue
        if item["type"] in ("time", "date"):
            continue
        if not _is_tap(item):
            return None
        asked.append(form[item["linkId"]])
    return asked if 0 < len(asked) <= QUICK_MAX_QUESTIONS else None


def filled_in(items, data, *, client):
    """The quick log's POST with what its card leaves out: times are the client's local now,
    dates their today (only where nothing was sent)."""
    now = timezone.localtime(timezone=client.tz)
    data = data.copy()
    for item in items:
        if item["linkId"] in data:
            continue
        if item["type"] == "time":
            data[item["linkId"]] = now.strftime("%H:%M")
        elif item["type"] == "date":
            data[item["linkId"]] = now.date().isoformat()
    return data
