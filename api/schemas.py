"""In and Out schemas, a pair per operation.

Out schemas name every field they return: no model is dumped wholesale, no integer key leaves
the server (records are named by their public code, people by role or name, never by id), and
nothing reachable from them belongs to anyone but the record's client. Which rows a schema sees
was decided before it runs, by practices.access.
"""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from homework.items import answer_rows
from homework.models import FeltDifficulty, Outcome, SkipReason
from homework.recording import COMMENT_MAX, NOTE_MAX
from lib.converters import CodeConverter

# What the <code:...> URL converter lets through, stated again for the OpenAPI schema.
CODE_PATTERN = f"^{CodeConverter.regex}$"
PAGE_SIZE = 20
# A page number past this would only ask the database for an absurd offset.
MAX_PAGE = 10_000


# --- Errors (api.api turns exceptions into these) -----------------------------------------------


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(description="Messages per field, or per linkId for answers")


class ConflictOut(Schema):
    detail: str
    reason: Literal["stale", "locked"]


# --- Form definitions (FHIR R4 Questionnaire.item, the subset homework.items knows) -----------------


class CodingOut(Schema):
    code: str
    display: str


class AnswerOptionOut(Schema):
    valueCoding: CodingOut


class ItemOut(Schema):
    """One question of an exercise's form. Risk rules (riskIfAbove) stay on the server."""

    linkId: str
    text: str
    type: str
    required: bool = False
    repeats: bool = False
    answerOption: list[AnswerOptionOut] = []
    minValue: int | float | None = None
    maxValue: int | float | None = None
    maxLength: int | None = None
    helpText: str = ""


# --- Comments -------------------------------------------------------------------------------------


class CommentOut(Schema):
    code: str
    by: Literal["client", "therapist"]
    body: str
    created_at: datetime


def _comments(entry):
    """The thread, each comment marked by role (no names or addresses of anyone)."""
    client_user_id = entry.assignment.client.user_id
    return [
        {
            "code": comment.code,
            "by": "client" if comment.author_id == client_user_id else "therapist",
            "body": comment.body,
            "created_at": comment.created_at,
        }
        for comment in entry.comments.all()
    ]


# --- Client side: GET /me/assignments, GET /me/assignments/{code} ----------------------------------


class _AssignmentPlanOut(Schema):
    """What the client was given, written down: shared by the client's and the therapist's view."""

    code: str
    title: str
    kind: str
    status: str
    frequency: str
    frequency_label: str
    times_per_week: int | None
    weekdays: list[int]
    starts_on: date
    due_on: date
    instructions: str
    rationale: str
    when_where: str
    if_then_plan: str
    reminder_times: list[str] = Field(description="Local times of day (HH:MM) in the client's zone")
    reminders_on: bool
    allows_private_entries: bool = Field(description="Whether the client may mark an entry private")

    @staticmethod
    def resolve_frequency_label(obj):
        return obj.frequency_label()


class MyAssignmentOut(_AssignmentPlanOut):
    items: list[ItemOut] = Field(description="The form to fill for each practice")

    @staticmethod
    def resolve_items(obj):
        return obj.template_version.items


# --- Client side: POST /me/assignments/{code}/entries, PUT /me/entries/{code} ---------------------


class _EntryFieldsIn(Schema):
    # Unknown keys are refused rather than dropped: a misspelt field must not vanish silently,
    # and ids slipped into a body (client_id, assignment_id) never reach a write (T-IN-6).
    model_config = ConfigDict(extra="forbid")

    # Values are only parsed here; homework.recording judges them, in the page's words.
    outcome: str = Field(description="done, partly or skipped", json_schema_extra={"enum": Outcome.values})
    occurred_on: date = Field(description="The client's local date of the practice")
    answers: dict[str, Any] = Field(
        default_factory=dict, description="Answers by linkId, checked by the exercise's form rules"
    )
    skip_reason: str | None = Field(
        None, description="Required when the outcome is skipped", json_schema_extra={"enum": SkipReason.values}
    )
    skip_note: str = Field("", description=f"Required when the skip reason is other; at most {NOTE_MAX} characters")
    helpfulness: int | None = Field(None, description="0 (not at all) to 4 (very)")
    difficulty: str | None = Field(None, json_schema_extra={"enum": FeltDifficulty.values})
    wants_to_discuss: bool = False
    is_private: bool | None = Field(
        None,
        description="Keep the entry to the client: the therapist sees its date, outcome and any risk flag only. "
        "Only where the assignment allows private entries; left out on an update, it stays as it was",
    )

    def entry_values(self) -> dict:
        """Keyword arguments for homework.recording.entry_record / entry_update."""
        return {
            "outcome": self.outcome,
            "occurred_on": self.occurred_on,
            "answers": self.answers,
            "skip_reason": self.skip_reason or "",
            "skip_note": self.skip_note,
            "helpfulness": self.helpfulness,
            "difficulty": self.difficulty or "",
            "wants_to_discuss": self.wants_to_discuss,
            "is_private": self.is_private,
        }


class EntryIn(_EntryFieldsIn):
    comment: str = Field("", description=f"An optional first note to the therapist; at most {COMMENT_MAX} characters")


class EntryUpdateIn(_EntryFieldsIn):
    """The whole entry as it should be now, and the version it was read at."""

    version: int = Field(ge=1, description="The entry's version when the client opened it")


class MyEntryOut(Schema):
    code: str
    assignment: str = Field(description="The assignment's code")
    occurred_on: date
    outcome: str
    skip_reason: str
    skip_note: str
    answers: dict[str, Any]
    helpfulness: int | None
    difficulty: str
    wants_to_discuss: bool
    is_private: bool
    score: int | None
    severity: str
    risk_flag: bool
    reviewed: bool = Field(description="Reviewed by the therapist: no longer editable")
    version: int
    created_at: datetime
    updated_at: datetime
    comments: list[CommentOut]

    @staticmethod
    def resolve_assignment(obj):
        return obj.assignment.code

    @staticmethod
    def resolve_reviewed(obj):
        return obj.reviewed_at is not None

    @staticmethod
    def resolve_comments(obj):
        return _comments(obj)


# --- Client side: GET /me/entries -------------------------------------------------------------------


class MyEntriesPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[MyEntryOut]


# --- Therapist side: GET /clients -------------------------------------------------------------------


class ClientOut(Schema):
    code: str
    name: str
    timezone: str


# --- Therapist side: GET /clients/{code}/assignments ------------------------------------------------


class GoalRefOut(Schema):
    code: str
    title: str


class AssignmentOut(_AssignmentPlanOut):
    barriers: str
    expected_difficulty: str
    confidence: int
    goal: GoalRefOut | None
    version: int
    created_at: datetime
    updated_at: datetime


# --- Therapist side: GET /assignments/{code}/entries ------------------------------------------------


class AnswerRowOut(Schema):
    linkId: str
    text: str
    value: str


class EntryOut(Schema):
    """One entry for the treating therapist. A private one (is_private) comes with its answers,
    ratings, skip reason and note, score and comments left out (homework.access withheld them):
    its date, outcome, "wants to discuss" and risk flag remain."""

    code: str
    occurred_on: date
    outcome: str
    skip_reason: str
    skip_note: str
    helpfulness: int | None
    difficulty: str
    wants_to_discuss: bool
    is_private: bool
    risk_flag: bool
    score: int | None
    severity: str
    reviewed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    answers: list[AnswerRowOut] = Field(description="Answered questions in form order, as a person reads them")
    comments: list[CommentOut]

    @staticmethod
    def resolve_answers(obj):
        return [] if obj.content_withheld else answer_rows(obj.assignment.template_version.items, obj.answers)

    @staticmethod
    def resolve_comments(obj):
        return [] if obj.content_withheld else _comments(obj)


class EntriesPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[EntryOut]


# --- Therapist side: GET /entries/{code}/fhir ----------------------------------------------------------


class QuestionnaireResponseItemOut(Schema):
    linkId: str
    text: str
    answer: list[dict[str, Any]] = Field(description="FHIR answer values: valueString, valueInteger, valueCoding, ...")


class QuestionnaireResponseOut(Schema):
    """A FHIR R4 QuestionnaireResponse (homework.items.to_fhir_response)."""

    resourceType: Literal["QuestionnaireResponse"]
    status: Literal["completed", "stopped"]
    authored: str
    item: list[QuestionnaireResponseItemOut]


# --- Pages ---------------------------------------------------------------------------------------------


def page_of(queryset, number, size=PAGE_SIZE):
    """One page of an ordered queryset: two queries (count, rows) plus its prefetches."""
    offset = (number - 1) * size
    return {
        "count": queryset.count(),
        "page": number,
        "page_size": size,
        "items": list(queryset[offset : offset + size]),
    }
