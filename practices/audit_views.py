"""Pages that show the audit trail (docs/security.md T-LG-7, T-LG-8):

- the practice owner's search (`audit_search`): who of the practice touched which client's record,
  or signed in, when and from where; times in UTC;
- the client's "Who opened your record" (`access_history`): their therapist's and others' reads and
  changes of their data, in the client's own time zone.

Both read the trail through audit.access and show references only: names, roles, actions, record
types and codes, never anything anyone wrote, and never a client's email address.
"""

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.access import access_history_of, search
from audit.door import list_recorded
from audit.models import ActorRole, AuditAction
from practices.access import clients_of_practice, team_of
from practices.decorators import client_required, owner_required

HISTORY_LIMIT = 200
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditSearchForm(forms.Form):
    person = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    client = forms.ChoiceField(label="Client", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="To", required=False, widget=DATE_INPUT, help_text="Both days included (UTC).")

    def __init__(self, *args, people, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Everyone"), *people]
        self.fields["client"].choices = [("", "All clients"), *clients]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Choose a day on or after the first day.")
        return data


@owner_required
@require_GET
def audit_search(request):
    members = list(team_of(request.membership))
    clients = list(clients_of_practice(request.user, request=request))
    people = [(m.user_id, f"{m.user.name} ({m.get_role_display().lower()})") for m in members]
    people += [(c.user_id, f"{c.user.name} (client)") for c in clients]
    # Every field is optional: the page opens with the practice's latest rows.
    form = AuditSearchForm(request.GET, people=people, clients=[(c.code, f"{c.user.name} ({c.code})") for c in clients])
    found = None
    if form.is_valid():
        data = form.cleaned_data
        list_recorded(user=request.user, name="AuditSearch", request=request, actor_role="owner")
        found = search(
            actor_ids=[user_id for user_id, _ in people],
            client_codes=[c.code for c in clients],
            actor_id=data.get("person"),
            client_code=data.get("client") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            page=_page_number(request),
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "practices/audit_search.html",
        {"form": form, "page": found, "query": query.urlencode(), "practice": request.membership.practice},
    )


def _page_number(request):
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) <= 10_000 else 1


# --- The client's page ------------------------------------------------------------------------------------

VERBS = {
    AuditAction.READ: "viewed",
    AuditAction.LIST: "viewed",
    AuditAction.CREATE: "added",
    AuditAction.UPDATE: "changed",
    AuditAction.EXPORT: "exported",
}
NOUNS = {
    "Client": "your details",
    "Entry": "an entry",
    "Assignment": "an assignment",
    "Goal": "a goal",
    "Appointment": "an appointment",
    "Comment": "a comment",
    "SessionTopic": "a topic for your next session",
    "SelfRating": "your rating of an assignment",
    "AssignmentReview": "a review of an assignment",
    "ReminderPreferences": "your reminder settings",
    # Lists
    "Entries": "your entries",
    "Assignments": "your assignments",
}
PHRASES = {
    (AuditAction.READ, "Client"): "opened your record",
    (AuditAction.CREATE, "Comment"): "replied to an entry",
    (AuditAction.CREATE, "Assignment"): "gave you an assignment",
    (AuditAction.UPDATE, "Entry"): "marked an entry as reviewed",
}


def in_plain_words(row):
    """ "viewed an entry", "changed an assignment": what the row says, for the client."""
    if row.action == AuditAction.LIST and row.object_type == "Entries" and row.object_code:
        return "viewed the entries of an assignment"
    phrase = PHRASES.get((row.action, row.object_type))
    if phrase:
        return phrase
    return f"{VERBS.get(row.action, 'opened')} {NOUNS.get(row.object_type, 'your record')}"


def who_for_the_client(row, client):
    if row.actor_id is not None and row.actor_id == client.therapist_id:
        return "Your therapist"
    if row.actor_role == ActorRole.OWNER:
        return "Practice owner"
    if row.actor_role == ActorRole.THERAPIST:
        return "A therapist of your practice"
    return "Someone else"


@client_required
@require_GET
def access_history(request):
    client = request.client
    list_recorded(user=request.user, name="AccessHistory", client=client, request=request, actor_role="client")
    rows = access_history_of(client.code, limit=HISTORY_LIMIT, exclude_actor_id=request.user.pk)
    shown = [
        {
            "name": row.actor_name or "A former member of the practice",
            "who": who_for_the_client(row, client),
            "what": in_plain_words(row),
            "at": timezone.localtime(row.at, client.tz),
        }
        for row in rows
    ]
    return render(
        request,
        "practices/access_history.html",
        {"rows": shown, "limit": HISTORY_LIMIT, "tz_name": client.timezone.replace("_", " ")},
    )
