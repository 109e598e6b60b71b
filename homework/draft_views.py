"""Drafts of the log form (homework/README.md, "Drafts, submission keys and offline").

static/js/drafts.js posts the form's fields here as the client types (form-encoded, the way
the form itself posts them, CSRF token included; or JSON {"fields": {name: [values]}} with the
token in X-CSRFToken), and the log pages fill the form from the draft when it is opened again.
The answers are JSON, in the API's shape (api/README.md):

- 200 {"saved_at": "<ISO time>"}; or {"saved_at": null, "sent": true} when the form render it
  belongs to (its submission_key) was already saved as an entry, so nothing is kept;
- 404 for anything that is not the client's own (the door's page, as for a missing record);
- 405 for a GET (authorized first, so a stranger gets the same 404);
- 409 {"detail", "reason": "locked" | "stale"} for an edit of a reviewed, or since saved, entry;
- 422 {"detail", "errors": {"draft": [message]}} for a draft too large or text that cannot be
  stored.

The helpers below are the pages' side: a new submission key per render, and the form filled
from a draft.
"""

import json
import uuid

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse, QueryDict
from django.views.decorators.http import require_http_methods

from homework.access import assignment_for_draft, entry_for_draft
from homework.client_forms import EntryEditForm, EntryMetaForm
from homework.drafts import NOT_FORM_FIELDS, draft_save
from homework.items import answers_form_class
from lib.conflicts import EditConflict
from practices.decorators import client_required

SUBMISSION_KEY = "submission_key"  # the hidden input's name on the log form


@client_required
@require_http_methods(["GET", "POST"])
def draft(request, code):
    """Keep the draft of a new entry of one of the client's assignments."""
    assignment = assignment_for_draft(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    meta = EntryMetaForm(assignment=assignment, today=request.client.today())
    return _kept(request, assignment, meta)


@client_required
@require_http_methods(["GET", "POST"])
def entry_draft(request, code):
    """Keep the draft of a change to one of the client's entries."""
    entry = entry_for_draft(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    meta = EntryEditForm(assignment=entry.assignment, today=request.client.today(), entry=entry)
    return _kept(request, entry.assignment, meta, entry=entry)


def _kept(request, assignment, meta, entry=None):
    try:
        sent = _sent_fields(request)
    except ValueError:
        return _refused(ValidationError({"draft": NOT_FORM_FIELDS}))
    answers_form = answers_form_class(assignment.template_version.items)()
    names = _field_names(meta, answers_form)
    fields = {name: values for name, values in sent.items() if _is_field(name, names)}
    version = _number(_first(sent.get(meta.add_prefix("version")))) if entry is not None else None
    try:
        kept = draft_save(
            client_user=request.user,
            assignment=assignment,
            entry=entry,
            fields=fields,
            version=version,
            submission_key=parse_submission_key(_first(sent.get(SUBMISSION_KEY))),
        )
    except ValidationError as exc:
        return _refused(exc)
    except EditConflict as exc:
        return JsonResponse({"detail": exc.message, "reason": exc.reason}, status=409)
    if kept is None:
        return JsonResponse({"saved_at": None, "sent": True})
    return JsonResponse({"saved_at": kept.updated_at.isoformat()})


def _sent_fields(request):
    """{name: [values]} from a form-encoded or a JSON body; ValueError for anything else."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError from None
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            raise ValueError
        return {name: values if isinstance(values, list) else [values] for name, values in fields.items()}
    return {name: values for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"}


def _field_names(*forms):
    return {form.add_prefix(name) for form in forms for name in form.fields}


def _is_field(name, names):
    # A widget may post a field under a suffixed name (a split date and time: name_0, name_1).
    return isinstance(name, str) and (name in names or name.rsplit("_", 1)[0] in names)


def _first(values):
    return values[0] if isinstance(values, list) and values else None


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _refused(exc):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    detail = next(iter(errors.values()))[0]
    return JsonResponse({"detail": detail, "errors": errors}, status=422)


# --- The pages' side ---------------------------------------------------------------------------


def parse_submission_key(value):
    """The UUID a log form carried, or None for anything else (a missing or hand-edited key)."""
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def submission_key_for(request):
    """The key for this render of the log form: the one it was posted with, so a form shown
    again with errors stays the same submission, else a new one."""
    if request.method == "POST":
        posted = parse_submission_key(request.POST.get(SUBMISSION_KEY))
        if posted is not None:
            return posted
    return uuid.uuid4()


def fill_from_draft(draft, *forms):
    """Set each unbound form's initial values from `draft` (homework.Draft or None), field by
    field through its widget, as if the draft had been posted; fields it does not hold keep
    theirs. Returns when it was saved, for the page (None without a draft)."""
    if draft is None:
        return None
    data = QueryDict(mutable=True)
    for name, values in draft.data.items():
        data.setlist(name, values)
    for form in forms:
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            if field.widget.value_omitted_from_data(data, {}, key):
                continue
            form.initial[name] = field.widget.value_from_datadict(data, {}, key)
    return draft.updated_at


def draft_is_current(draft, meta, entry):
    """Whether a draft of an edit was typed on the entry as it is now: one that holds an older
    version (the form's hidden field) was overtaken by a save, and is not shown."""
    typed_on = draft.data.get(meta.add_prefix("version"))
    return not typed_on or typed_on == [str(entry.version)]


def keep_draft_state(meta, *, submission_key=None, draft_saved_at=None):
    """What the log form's template needs for drafts, carried on its form (the page's own
    context belongs to the form's layout): the hidden submission key, and when the draft the
    form was filled from was saved (static/js/drafts.js compares it with what the phone kept)."""
    meta.submission_key = submission_key
    meta.draft_saved_at = draft_saved_at.isoformat() if draft_saved_at else ""


ALREADY_SAVED = "This was already saved: here it is."
SENT_TO_THERAPIST = "Sent to your therapist."


def saved_message(entry, saved):
    """The page's "saved" message, saying where the text went: to the therapist, unless the
    client kept the entry private."""
    return saved if entry.is_private else f"{saved} {SENT_TO_THERAPIST}"
