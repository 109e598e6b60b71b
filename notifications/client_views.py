"""The client's side of reminders: their settings page, the calendar feed, and the pause link
from a reminder email.

The settings page and the feed switch are for the signed-in client only (client_required). The
pause link and the feed work without signing in: the signed token in the URL is the credential
(notifications.links), and their pages show nothing of the client, not even a name. Every rule
and its wording is in the write functions (notifications.preferences, homework.reminding,
practices.clients); the forms here parse types only.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from homework.access import own_open_assignments
from homework.reminding import assignment_reminders_set
from lib.conflicts import EditConflict
from lib.forms import AnyChoiceField, AnyMultipleChoiceField
from lib.validation import add_errors
from notifications import feed as calendar_feed
from notifications.access import reminder_preferences_of
from notifications.links import ALL, BadLink, ExpiredLink, feed_url, read_pause_token
from notifications.models import Channel
from notifications.preferences import feed_turn_off, feed_turn_on, pause_by_link, reminder_preferences_update
from practices.clients import client_timezone_set
from practices.decorators import client_required
from practices.forms import timezone_choices

SAVED = "Your reminder settings are saved."
FEED_ON = "Your calendar address is ready. Add it to your calendar app as a subscription."
FEED_NEW = "Your calendar has a new address. The old one no longer works."
FEED_OFF = "The calendar feed is off. Its address no longer works."
FEED_CACHE = "private, max-age=300"

# Columns the page shows or the write needs; the encrypted free text stays unread.
ASSIGNMENT_FIELDS = (
    "pk", "code", "client_id", "title", "reminder_times", "reminders_on", "version", "status", "starts_on",
    "due_on",
)  # fmt: skip
PREFERENCE_FIELDS = ("quiet_start", "quiet_end", "channels", "paused_until")


# --- Forms: types and widgets only ----------------------------------------------------------------


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ReminderPreferencesForm(forms.Form):
    quiet_start = forms.TimeField(label="Quiet from", required=False, widget=TIME_INPUT)
    quiet_end = forms.TimeField(label="Quiet until", required=False, widget=TIME_INPUT)
    channels = AnyMultipleChoiceField(
        label="Remind me by",
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="With nothing ticked you get no reminders at all.",
    )
    paused_until = forms.DateField(
        label="Pause all reminders until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="No reminder on or before this day. Leave it empty to keep reminders going.",
    )
    timezone = AnyChoiceField(
        label="Your time zone",
        choices=timezone_choices,
        required=False,
        help_text="Reminders and “today” follow this clock, daylight saving included.",
    )

    def __init__(self, *args, client, preferences, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "quiet_start": preferences.quiet_start,
                "quiet_end": preferences.quiet_end,
                "channels": list(preferences.channels),
                "paused_until": preferences.paused_until,
                "timezone": client.timezone,
            },
        )
        super().__init__(*args, **kwargs)


class AssignmentRemindersForm(forms.Form):
    """One assignment's reminders, prefixed by its code: the list can change between showing the
    page and saving it (a new assignment), and a code never lands on another assignment's row."""

    reminder_times = forms.CharField(
        label="Remind me at",
        required=False,
        strip=False,
        help_text="Times of day, for example “19:00, 21:30”, or “none”.",
    )
    reminders_on = forms.BooleanField(label="Send reminders for this practice", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, assignment, **kwargs):
        kwargs.setdefault("prefix", prefix_of(assignment))
        kwargs.setdefault(
            "initial",
            {
                "reminder_times": ", ".join(assignment.reminder_times) or "none",
                "reminders_on": assignment.reminders_on,
                "version": assignment.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.assignment = assignment

    @property
    def changed_by_client(self):
        # The version is where the page started, not a choice: a therapist's unrelated edit
        # meanwhile must not turn an untouched row into a conflict.
        return any(name != "version" for name in self.changed_data)


def prefix_of(assignment):
    return f"a-{assignment.code}"


# --- The settings page ----------------------------------------------------------------------------


@client_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    client = request.client
    preferences = reminder_preferences_of(client)
    assignments = _reminder_assignments(request)
    conflicts = {}
    if request.method == "POST":
        form = ReminderPreferencesForm(request.POST, client=client, preferences=preferences)
        rows = [
            AssignmentRemindersForm(request.POST if _on_the_page(request, a) else None, assignment=a)
            for a in assignments
        ]
        bound = [row for row in rows if row.is_bound]
        # Validate every form, always, so every problem shows on the first round trip.
        valid = [form.is_valid(), *(row.is_valid() for row in bound)]
        if all(valid):
            if _save_all(request, client, form, bound, conflicts):
                messages.success(request, SAVED)
                return redirect("notifications:settings")
            rows = [_with_current_version(row) if row.prefix in conflicts else row for row in rows]
    else:
        form = ReminderPreferencesForm(client=client, preferences=preferences)
        rows = [AssignmentRemindersForm(assignment=a) for a in assignments]

    has_errors = bool(form.errors or any(row.errors for row in rows))
    return render(
        request,
        "notifications/client/settings.html",
        {
            "client": client,
            "form": form,
            "rows": [{"form": row, "conflict": conflicts.get(row.prefix)} for row in rows],
            "conflict": bool(conflicts),
            "has_errors": has_errors,
            "feed_url": feed_url(client.code, preferences.feed_nonce) if preferences.feed_nonce else "",
        },
        status=409 if conflicts else 200,
    )


def _reminder_assignments(request):
    """The assignments a reminder can still come for: active and not past their due date."""
    client = request.client
    assignments = list(
        own_open_assignments(request.user, request=request).filter(due_on__gte=client.today()).only(*ASSIGNMENT_FIELDS)
    )
    for assignment in assignments:
        assignment.client = client  # the writes audit with it; spare a query per row
    return assignments


def _on_the_page(request, assignment):
    """Whether the posted page had this assignment's row (one assigned meanwhile did not)."""
    return f"{prefix_of(assignment)}-version" in request.POST


def _save_all(request, client, form, rows, conflicts):
    """Run every write the page asks for in one transaction; if any refuses, none is kept and
    every refusal is shown beside its field. Returns whether everything was saved."""
    refused = False
    zone_before = client.timezone
    data = form.cleaned_data
    with transaction.atomic():
        # The zone first: a pause date is checked against "today" in the zone just chosen.
        if "timezone" in form.changed_data:
            refused |= not _saved(
                form, client_timezone_set, client=client, actor=request.user, timezone=data["timezone"]
            )
        if set(form.changed_data) & set(PREFERENCE_FIELDS):
            values = {name: data[name] for name in PREFERENCE_FIELDS}
            refused |= not _saved(form, reminder_preferences_update, client=client, actor=request.user, **values)
        for row in rows:
            if not row.changed_by_client:
                continue
            try:
                refused |= not _saved(
                    row,
                    assignment_reminders_set,
                    assignment=row.assignment,
                    actor=request.user,
                    times=row.cleaned_data["reminder_times"],
                    on=row.cleaned_data["reminders_on"],
                    expected_version=row.cleaned_data["version"],
                )
            except EditConflict as exc:
                conflicts[row.prefix] = exc
                refused = True
        if refused:
            transaction.set_rollback(True)
    if refused:
        client.timezone = zone_before  # the row went back; so does the object the page renders
    return not refused


def _saved(form, write, **values):
    try:
        write(**values)
    except ValidationError as exc:
        add_errors(exc, form)
        return False
    return True


def _with_current_version(row):
    """The row as typed, carrying the version its assignment has now, so a second, deliberate
    save replaces the therapist's change instead of conflicting again."""
    data = row.data.copy()
    data[row.add_prefix("version")] = str(row.assignment.version)
    fresh = AssignmentRemindersForm(data, assignment=row.assignment)
    fresh.is_valid()
    return fresh


# --- The calendar feed --------------------------------------------------------------------------


@client_required
@require_POST
def feed_manage(request):
    action = request.POST.get("action")
    if action in ("on", "new"):
        feed_turn_on(client=request.client, actor=request.user)
        messages.success(request, FEED_ON if action == "on" else FEED_NEW)
    elif action == "off":
        feed_turn_off(client=request.client, actor=request.user)
        messages.success(request, FEED_OFF)
    else:
        return HttpResponseBadRequest("Choose to turn the calendar on, give it a new address, or turn it off.")
    return redirect(reverse("notifications:settings") + "#calendar")


@require_GET
def feed(request, token):
    try:
        client = calendar_feed.client_of_feed(token)
    except BadLink:
        raise Http404("Not found") from None
    response = HttpResponse(calendar_feed.calendar_for(client), content_type="text/calendar; charset=utf-8")
    # Calendar apps poll; five minutes in their own cache spares us, and no shared cache keeps it.
    response["Cache-Control"] = FEED_CACHE
    return response


# --- The pause link from a reminder ---------------------------------------------------------------


@csrf_exempt  # RFC 8058's one-click POST carries no token; the signed link is the credential
@never_cache
@require_http_methods(["GET", "POST"])
def pause(request, token):
    """GET only asks: mail scanners open links before people do, and must not pause anything.
    A POST, from the page's button or a mail client's one-click unsubscribe, pauses."""
    try:
        client_code, assignment_code = read_pause_token(token)
    except ExpiredLink:
        context = {"max_age_days": settings.PAUSE_LINK_MAX_AGE // (24 * 60 * 60)}
        return render(request, "notifications/client/link_expired.html", context, status=410)
    except BadLink:
        return render(request, "notifications/client/link_invalid.html", status=400)
    context = {"everything": assignment_code == ALL}
    if request.method == "POST":
        try:
            pause_by_link(client_code=client_code, assignment_code=assignment_code)
        except BadLink:
            return render(request, "notifications/client/link_invalid.html", status=400)
        except EditConflict:
            context["retry"] = True
            return render(request, "notifications/client/pause_confirm.html", context, status=409)
        return render(request, "notifications/client/pause_done.html", context)
    return render(request, "notifications/client/pause_confirm.html", context)
