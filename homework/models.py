from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from lib.fields import EncryptedJSONField, EncryptedTextField, PublicCodeField


class ExerciseKind(models.TextChoices):
    JOURNAL = "journal", "Journal"
    THOUGHT_RECORD = "thought_record", "Thought record"
    EXPOSURE = "exposure", "Exposure"
    SKILL_PRACTICE = "skill_practice", "Skill practice"
    BEHAVIOURAL_EXPERIMENT = "behavioural_experiment", "Behavioural experiment"
    ACTIVITY = "activity", "Activity to do"
    BEHAVIOUR_TO_AVOID = "behaviour_to_avoid", "Behaviour to avoid"
    COMMUNICATION = "communication", "Communication practice"
    REFLECTION = "reflection", "Reflection prompt"
    QUESTIONNAIRE = "questionnaire", "Questionnaire"


class ExerciseTemplateQuerySet(models.QuerySet):
    def available_to(self, practice):
        """Built-in templates plus the practice's own."""
        return self.filter(Q(practice__isnull=True) | Q(practice=practice), is_archived=False)


class ExerciseTemplate(models.Model):
    """An exercise in the library; what it asks lives in its versions."""

    code = PublicCodeField()
    kind = models.CharField(max_length=32, choices=ExerciseKind.choices)
    # Built-in templates have no practice and a stable key the loader uses to stay idempotent.
    practice = models.ForeignKey("practices.Practice", null=True, blank=True, on_delete=models.CASCADE)
    builtin_key = models.SlugField(max_length=64, null=True, blank=True, unique=True)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExerciseTemplateQuerySet.as_manager()

    def __str__(self):
        latest = self.latest_version()
        return latest.title if latest else self.code

    def latest_version(self):
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    """The form a client fills, in the FHIR Questionnaire item shape. Frozen once assigned."""

    template = models.ForeignKey(ExerciseTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    rationale = models.TextField()
    instructions = models.TextField()
    items = models.JSONField()
    # Questionnaires: {"method": "sum", "bands": [[min, max, label], ...]}; empty for others.
    scoring = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="homework_templateversion_unique_number"),
        ]
        ordering = ["template", "number"]

    def __str__(self):
        return f"{self.title} v{self.number}"

    def save(self, *args, **kwargs):
        # What a client answered must keep meaning what it meant: edits make a new version.
        if self.pk and self.is_in_use():
            raise ValidationError("This template version is in use; save a new version instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_in_use():
            raise ValidationError("This template version is in use and cannot be deleted.")
        return super().delete(*args, **kwargs)

    def is_in_use(self):
        return self.assignments.exists()


class Frequency(models.TextChoices):
    ONCE = "once", "Once"
    DAILY = "daily", "Every day"
    TIMES_PER_WEEK = "times_per_week", "A number of times a week"
    WEEKDAYS = "weekdays", "On chosen weekdays"


class ExpectedDifficulty(models.TextChoices):
    """How hard the therapist expects the exercise to be for this client, when assigning."""

    EASY = "easy", "Easy"
    MODERATE = "moderate", "Moderate"
    CHALLENGING = "challenging", "Challenging"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    STOPPED = "stopped", "Stopped"


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=AssignmentStatus.ACTIVE)


WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class Assignment(models.Model):
    """An exercise tailored for one client: what, why, when, where, how often, until when."""

    code = PublicCodeField()
    client = models.ForeignKey("practices.Client", on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="assignments")
    goal = models.ForeignKey("practices.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    instructions = EncryptedTextField()
    rationale = EncryptedTextField()
    when_where = EncryptedTextField(blank=True)
    barriers = EncryptedTextField(blank=True)
    if_then_plan = EncryptedTextField(blank=True)
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.DAILY)
    times_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True)  # 0 = Monday ... 6 = Sunday
    starts_on = models.DateField()
    due_on = models.DateField()
    expected_difficulty = models.CharField(
        max_length=20, choices=ExpectedDifficulty.choices, default=ExpectedDifficulty.MODERATE
    )
    confidence = models.PositiveSmallIntegerField()
    # Local wall-clock times ("19:00") in the client's zone, sorted; empty means no reminders.
    reminder_times = models.JSONField(default=list, blank=True)
    # The client can silence one assignment's reminders and keep its times for later.
    reminders_on = models.BooleanField(default=True)
    # Journals and reflections only (homework.assigning): the client may keep an entry to themself.
    allows_private_entries = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__lte=10), name="homework_assignment_confidence_0_10"),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("starts_on")), name="homework_assignment_due_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(frequency=Frequency.TIMES_PER_WEEK) | Q(times_per_week__gte=1, times_per_week__lte=7),
                name="homework_assignment_times_per_week_1_7",
            ),
        ]
        indexes = [models.Index(fields=["client", "status"], name="homework_assignment_client")]

    def __str__(self):
        return self.title

    @property
    def kind(self):
        return self.template_version.template.kind

    @property
    def is_active(self):
        return self.status == AssignmentStatus.ACTIVE

    def is_open_on(self, day):
        """Whether the client can practise this assignment on `day` (a date in their zone)."""
        return self.is_active and self.starts_on <= day <= self.due_on

    def has_started_by(self, day):
        """Active and started: a practice can be logged (catching up after the due date too)."""
        return self.is_active and self.starts_on <= day

    def reminder_times_label(self):
        if not self.reminder_times:
            return "No reminders"
        return ", ".join(self.reminder_times) + ("" if self.reminders_on else " (paused by the client)")

    def frequency_label(self):
        if self.frequency == Frequency.TIMES_PER_WEEK:
            return f"{self.times_per_week} times a week"
        if self.frequency == Frequency.WEEKDAYS:
            return "Every " + ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        return self.get_frequency_display()


class Outcome(models.TextChoices):
    DONE = "done", "Done"
    PARTLY = "partly", "Partly done"
    SKIPPED = "skipped", "Skipped"


# What counts as practice (adherence, "done today", once-only exercises): done or partly done.
PRACTISED = (Outcome.DONE, Outcome.PARTLY)


class SkipReason(models.TextChoices):
    # From the homework-barriers literature: each names something the therapist can act on.
    FORGOT = "forgot", "I forgot"
    NO_TIME = "no_time", "No time"
    TOO_UNCOMFORTABLE = "too_uncomfortable", "I avoided it because it felt too uncomfortable"
    UNCLEAR = "unclear", "I did not know when, where or how"
    NOT_USEFUL = "not_useful", "I did not see why it would help"
    TOO_HARD = "too_hard", "Too hard"
    TOO_BORING = "too_boring", "Too boring"
    OTHER = "other", "Something else"


class FeltDifficulty(models.TextChoices):
    """How hard one practice felt to the client, as they logged it."""

    TOO_EASY = "too_easy", "Too easy"
    EASY = "easy", "Easy"
    ABOUT_RIGHT = "about_right", "About right"
    HARD = "hard", "Hard"
    TOO_HARD = "too_hard", "Too hard"


class Helpfulness(models.IntegerChoices):
    NOT_AT_ALL = 0, "Not at all"
    A_LITTLE = 1, "A little"
    SOMEWHAT = 2, "Somewhat"
    QUITE = 3, "Quite"
    VERY = 4, "Very"


class EntryQuerySet(models.QuerySet):
    def unreviewed(self):
        """Not yet reviewed by the therapist, so the client may still change it."""
        return self.filter(reviewed_at__isnull=True)

    def flagged_for_risk(self):
        return self.filter(risk_flag=True)

    def risk_unseen(self):
        """Risk flags the therapist has not marked as seen yet."""
        return self.filter(risk_flag=True, risk_seen_at__isnull=True)

    def to_discuss(self):
        return self.filter(wants_to_discuss=True)

    # --- Private entries: what the therapist's doors hand out (homework/README.md) ---

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._withholds_private = False

    def _clone(self):
        clone = super()._clone()
        clone._withholds_private = self._withholds_private
        return clone

    def withholding_private(self):
        """The same rows, each private entry with its content withheld (Entry.withhold_private)
        as it is loaded, its prefetched comments included. The therapist's doors return these; a
        values() or values_list() of a withheld field (or of every field) is refused, so no
        shortcut past the rows reads one."""
        clone = self._chain()
        clone._withholds_private = True
        return clone

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()  # the rows, then their prefetches
        if fresh and self._withholds_private:
            for row in self._result_cache:
                if isinstance(row, Entry):
                    row.withhold_private()

    def iterator(self, chunk_size=None):
        for row in super().iterator(chunk_size):
            yield row.withhold_private() if self._withholds_private and isinstance(row, Entry) else row

    def _refuse_withheld(self, fields):
        if self._withholds_private and (not fields or set(fields) & Entry.WITHHELD_WHEN_PRIVATE.keys()):
            raise TypeError("These entries withhold private content: read the rows, not their values.")

    def values(self, *fields, **expressions):
        self._refuse_withheld(fields + tuple(expressions))
        return super().values(*fields, **expressions)

    def values_list(self, *fields, flat=False, named=False):
        self._refuse_withheld(fields)
        return super().values_list(*fields, flat=flat, named=named)


class Entry(models.Model):
    """One practice of an assignment as the client logged it."""

    code = PublicCodeField()
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="entries")
    occurred_on = models.DateField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    skip_reason = models.CharField(max_length=32, choices=SkipReason.choices, blank=True)
    skip_note = EncryptedTextField(blank=True)
    answers = EncryptedJSONField(default=dict)
    helpfulness = models.PositiveSmallIntegerField(choices=Helpfulness.choices, null=True, blank=True)
    difficulty = models.CharField(max_length=20, choices=FeltDifficulty.choices, blank=True)
    wants_to_discuss = models.BooleanField(default=False)
    # Kept to the client (homework.recording): the therapist's doors withhold its content.
    is_private = models.BooleanField(default=False)
    score = models.PositiveIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=40, blank=True)
    risk_flag = models.BooleanField(default=False)
    # The therapist marks a raised risk flag as seen, with a note; the audit trail records it too.
    risk_seen_at = models.DateTimeField(null=True, blank=True)
    risk_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The random key of the form render that sent it (homework/README.md, "Drafts and submission
    # keys"): a second POST with the same key gets this entry back instead of a duplicate.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(helpfulness__isnull=True) | Q(helpfulness__lte=Helpfulness.VERY),
                name="homework_entry_helpfulness_0_4",
            ),
            # A skipped practice always says why, so the therapist can act on the barrier.
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.SKIPPED) | ~Q(skip_reason=""), name="homework_entry_skip_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["assignment", "occurred_on"], name="homework_entry_assignment_day")]

    def __str__(self):
        return f"{self.assignment} on {self.occurred_on}"

    def save(self, *args, **kwargs):
        if self.content_withheld:
            raise ValueError("This entry was loaded with its private content withheld; it cannot be saved.")
        super().save(*args, **kwargs)

    @property
    def is_editable_by_client(self):
        return self.reviewed_at is None

    @property
    def is_skipped(self):
        return self.outcome == Outcome.SKIPPED

    # Everything the client wrote or rated, and what is computed from it, with the value a
    # private entry shows in its place. The date, the outcome (adherence counts it), "I want to
    # talk about this", the review and the risk flag stay: the therapist must still see a risk.
    WITHHELD_WHEN_PRIVATE = {
        "answers": dict,
        "skip_reason": str,
        "skip_note": str,
        "helpfulness": lambda: None,
        "difficulty": str,
        "score": lambda: None,
        "severity": str,
    }

    @property
    def content_withheld(self):
        """True on a private entry a therapist's door loaded (EntryQuerySet.withholding_private)."""
        return self.__dict__.get("_content_withheld", False)

    def withhold_private(self):
        """Blank, in memory only, what the client wrote or rated if the entry is private, and the
        text of its prefetched comments; such an object refuses to be saved. Returns self."""
        if self.is_private:
            self._blank()
        return self

    def _blank(self):
        for name, empty in self.WITHHELD_WHEN_PRIVATE.items():
            setattr(self, name, empty())
        self._content_withheld = True
        for comment in self.__dict__.get("_prefetched_objects_cache", {}).get("comments", ()):
            comment.withhold()

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        withheld = self.content_withheld
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        # Withheld stays withheld, unless the whole row was read again and is no longer private.
        if withheld and (fields is not None or self.is_private):
            self._blank()
        elif withheld:
            self._content_withheld = False


class Comment(models.Model):
    """A note on an entry, from the client or the therapist's reply."""

    code = PublicCodeField()
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Comment {self.code}"

    def save(self, *args, **kwargs):
        if self.content_withheld:
            raise ValueError("This comment was loaded with its text withheld; it cannot be saved.")
        super().save(*args, **kwargs)

    @property
    def content_withheld(self):
        return self.__dict__.get("_content_withheld", False)

    def withhold(self):
        """Blank the text in memory: a comment on a private entry, loaded for the therapist."""
        self.body = ""
        self._content_withheld = True


class ReviewDecision(models.TextChoices):
    KEEP = "keep", "Keep as it is"
    MODIFY = "modify", "Modify"
    STEP_DOWN = "step_down", "Step down (make it easier)"
    STOP = "stop", "Stop"


class Amount(models.IntegerChoices):
    """How much of the homework was done, rated 0-3 by the therapist at review and by the client."""

    NONE = 0, "None of it"
    SOME = 1, "Some of it"
    MOST = 2, "Most of it"
    ALL = 3, "All of it"


class Quality(models.IntegerChoices):
    """How well it was done, rated 0-3 from both sides."""

    POOR = 0, "Not well"
    FAIR = 1, "Fairly"
    GOOD = 2, "Well"
    VERY_GOOD = 3, "Very well"


class AssignmentReview(models.Model):
    """The therapist's review of an assignment in session; locks the entries it covered."""

    code = PublicCodeField()
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    note = EncryptedTextField(blank=True)
    # Quantity and quality of the homework as the therapist judges it (0-3 each), optional.
    quantity = models.PositiveSmallIntegerField(choices=Amount.choices, null=True, blank=True)
    quality = models.PositiveSmallIntegerField(choices=Quality.choices, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(quantity__isnull=True) | Q(quantity__lte=3))
                & (Q(quality__isnull=True) | Q(quality__lte=3)),
                name="homework_review_ratings_0_3",
            )
        ]

    def __str__(self):
        return f"{self.get_decision_display()} ({self.created_at:%Y-%m-%d})"


class SelfRating(models.Model):
    """The client's own view of how much and how well they did an assignment, asked on their
    assignment page before the next appointment; the newest one is shown beside the therapist's."""

    code = PublicCodeField()
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="self_ratings")
    quantity = models.PositiveSmallIntegerField(choices=Amount.choices)
    quality = models.PositiveSmallIntegerField(choices=Quality.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__lte=3) & Q(quality__lte=3), name="homework_selfrating_ratings_0_3"
            )
        ]
        indexes = [models.Index(fields=["assignment", "created_at"], name="homework_selfrating_latest")]

    def __str__(self):
        return f"Self-rating {self.code}"


class Draft(models.Model):
    """What the client has typed into a log form and not saved yet, kept as they type so that
    nothing is lost (a closed tab, a dead battery, a session that ran out): one per client and
    assignment for a new entry, one per entry for an edit. The form's fields as the browser
    posts them ({name: [values]}), encrypted as one token; deleted once the entry is saved."""

    client = models.ForeignKey("practices.Client", on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="drafts")
    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts")
    data = EncryptedJSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "assignment"],
                condition=Q(entry__isnull=True),
                name="homework_draft_one_new_per_assignment",
            ),
            models.UniqueConstraint(
                fields=["client", "entry"], condition=Q(entry__isnull=False), name="homework_draft_one_per_entry"
            ),
        ]

    def __str__(self):
        return f"Draft of {self.assignment_id}" + (f" (entry {self.entry_id})" if self.entry_id else "")
