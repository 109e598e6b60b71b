"""The client's own homework as JSON: what to do, logging a practice, correcting it.

For the signed-in client only (ClientSession in api.api). Assignments and entries come through
homework.access, as in homework.client_views; writes go through homework.recording, so the
API accepts and refuses exactly what the pages do.
"""

from django.db.models import Prefetch
from ninja import Path, Query, Router, Status

from api.schemas import (
    CODE_PATTERN,
    MAX_PAGE,
    ConflictOut,
    EntryIn,
    EntryUpdateIn,
    ErrorOut,
    InvalidOut,
    MyAssignmentOut,
    MyEntriesPageOut,
    MyEntryOut,
    page_of,
)
from homework.access import (
    get_assignment_for_client,
    get_entry_for_client,
    own_entries,
    own_open_assignments,
)
from homework.models import Comment
from homework.recording import entry_record, entry_update
from lib.ratelimit import ScopedThrottle

router = Router()

READ = {401: ErrorOut, 404: ErrorOut}
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: InvalidOut, 429: ErrorOut}
# Per person, settings.RATE_LIMITS["api_write"]; a refusal is 429 with Retry-After.
WRITE_LIMIT = [ScopedThrottle("api_write")]
CodePath = Path(..., pattern=CODE_PATTERN)


@router.get("/assignments", response={200: list[MyAssignmentOut], **READ}, url_name="my_assignments")
def my_assignments(request):
    """The client's active assignments, soonest due first, each with its form."""
    return own_open_assignments(request.user, request=request).select_related("template_version__template")


@router.get("/assignments/{code:code}", response={200: MyAssignmentOut, **READ}, url_name="my_assignment")
def my_assignment(request, code: str = CodePath):
    return get_assignment_for_client(request.user, code, request=request)


@router.post(
    "/assignments/{code:code}/entries",
    response={201: MyEntryOut, **WRITE},
    url_name="my_entry_create",
    throttle=WRITE_LIMIT,
)
def my_entry_create(request, payload: EntryIn, code: str = CodePath):
    """Log one practice: the same rules as the log page (homework.recording.entry_record)."""
    assignment = get_assignment_for_client(request.user, code, request=request)
    entry = entry_record(
        assignment=assignment, client_user=request.user, comment=payload.comment, **payload.entry_values()
    )
    return Status(201, entry)


@router.get("/entries", response={200: MyEntriesPageOut, **READ, 422: InvalidOut}, url_name="my_entries")
def my_entries(request, page: int = Query(1, ge=1, le=MAX_PAGE)):
    """Everything the client logged, newest first, a page at a time."""
    entries = (
        own_entries(request.user, request=request)
        .select_related("assignment__client")
        .prefetch_related(Prefetch("comments", queryset=Comment.objects.order_by("created_at", "pk")))
    )
    return page_of(entries, page)


@router.put(
    "/entries/{code:code}", response={200: MyEntryOut, **WRITE}, url_name="my_entry_update", throttle=WRITE_LIMIT
)
def my_entry_update(request, payload: EntryUpdateIn, code: str = CodePath):
    """Change an entry not yet reviewed; 409 if it changed since `version` or was reviewed."""
    entry = get_entry_for_client(request.user, code, request=request)
    return entry_update(
        entry=entry, expected_version=payload.version, client_user=request.user, **payload.entry_values()
    )
