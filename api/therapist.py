"""The treating therapist's view of their caseload as JSON: clients, assignments, entries, FHIR.

For a signed-in therapist only (TherapistSession in api.api). Every client, assignment and entry
comes through the doors (practices.access, homework.access), so a colleague or another practice gets 404, as on the pages.
"""

from allauth.account.decorators import reauthentication_required
from ninja import Path, Query, Router

from api.schemas import (
    CODE_PATTERN,
    MAX_PAGE,
    AssignmentOut,
    ClientOut,
    EntriesPageOut,
    ErrorOut,
    InvalidOut,
    QuestionnaireResponseOut,
    page_of,
)
from homework.access import (
    assignments_of_client,
    entries_of_assignment,
    get_assignment_for_therapist,
    get_entry_for_export,
)
from homework.items import to_fhir_response
from lib.ratelimit import ScopedThrottle
from practices.access import caseload, get_client_for_therapist

router = Router()

READ = {401: ErrorOut, 404: ErrorOut}
EXPORT = {**READ, 403: ErrorOut, 429: ErrorOut}
CodePath = Path(..., pattern=CODE_PATTERN)


@router.get("/clients", response={200: list[ClientOut], **READ}, url_name="clients")
def clients(request):
    """The therapist's own active clients, by name."""
    return caseload(request.user).order_by("user__name", "pk")


@router.get(
    "/clients/{code:code}/assignments", response={200: list[AssignmentOut], **READ}, url_name="client_assignments"
)
def client_assignments(request, code: str = CodePath):
    """Every assignment of one client (active and stopped), newest first."""
    client = get_client_for_therapist(request.user, code, request=request)
    return assignments_of_client(request.user, client, request=request).select_related(
        "template_version__template", "goal"
    )


@router.get(
    "/assignments/{code:code}/entries",
    response={200: EntriesPageOut, **READ, 422: InvalidOut},
    url_name="assignment_entries",
)
def assignment_entries(request, code: str = CodePath, page: int = Query(1, ge=1, le=MAX_PAGE)):
    """An assignment's entries, newest first, with readable answers and the comment thread."""
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    return page_of(entries_of_assignment(request.user, assignment, request=request), page)


@router.get(
    "/entries/{code:code}/fhir",
    response={200: QuestionnaireResponseOut, **EXPORT},
    url_name="entry_fhir",
    throttle=[ScopedThrottle("export")],
)
@reauthentication_required  # an export: 403 "reauthenticate" unless signed in in the last 5 minutes
def entry_fhir(request, code: str = CodePath):
    """One entry as a FHIR R4 QuestionnaireResponse."""
    return to_fhir_response(get_entry_for_export(request.user, code, request=request))
