"""The therapist's pages here: their notices (what clients did that they should hear of) and when
and on which clock they hear of it by email.

Reads through notifications.access, changes through notifications.notices and
notifications.therapist_settings; every page runs a fixed number of queries.
"""

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lib.validation import saved
from notifications.access import MORNING_BRIEF_DEFAULT, notices_of, therapist_preferences_of, unread_notice_ids
from notifications.models import NoticeKind
from notifications.notices import notices_mark_read
from notifications.therapist_settings import therapist_preferences_update
from practices.decorators import therapist_required
from practices.forms import timezone_choices

NOTICES_PER_PAGE = 25
GET_POST = ["GET", "POST"]


# --- Notices ------------------------------------------------------------------------------------------


def _page_number(value):
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 7 else None


def _seen_until(value):
    """The instant the page was shown, from its "mark all read" form; None when absent or bent."""
    try:
        seen = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return seen if timezone.is_aware(seen) else None


def _mark_read(request):
    post = request.POST
    if post.get("all"):
        # Up to when the page was shown: a notice that arrived since (a risk answer) stays unread.
        ids = unread_notice_ids(request.user, created_before=_seen_until(post.get("seen_until")) or timezone.now())
        notices_mark_read(recipient=request.user, notice_ids=ids)
        messages.success(request, "All notices are marked read.")
    elif post.get("entry") and post.get("kind") in NoticeKind.values:
        ids = unread_notice_ids(request.user, entry_code=post["entry"][:20], kind=post["kind"])
        if notices_mark_read(recipient=request.user, notice_ids=ids):
            messages.success(request, "Notice marked read.")


@therapist_required
@require_http_methods(GET_POST)
def notices(request):
    if request.method == "POST":
        _mark_read(request)
        url = reverse("notifications:notices")
        page = _page_number(request.POST.get("page"))
        return redirect(f"{url}?page={page}" if page and page > 1 else url)
    shown_at = timezone.now()  # before the notices are read, so "mark all" covers no more than shown
    page = Paginator(notices_of(request.user), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "zone": therapist_preferences_of(request.user).timezone, "shown_at": shown_at}
    return render(request, "notifications/therapist/notices.html", context)


# --- When and on which clock -----------------------------------------------------------------------


class NoticeSettingsForm(forms.Form):
    # Types only: the zone is a plain string, so therapist_preferences_update words a refusal.
    timezone = forms.CharField(
        label="Your time zone", required=False, help_text="The morning email and the times on your notices follow it."
    )
    morning_brief_at = forms.TimeField(
        label="Morning email on days with appointments",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=f"We email you at this time that the day's notes are ready. Usually {MORNING_BRIEF_DEFAULT}.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget = forms.Select(choices=timezone_choices())


@therapist_required
@require_http_methods(GET_POST)
def notice_settings(request):
    if request.method == "POST":
        form = NoticeSettingsForm(request.POST)
        if form.is_valid() and saved(form, therapist_preferences_update, user=request.user, **form.cleaned_data):
            messages.success(request, "Saved. Morning emails already planned follow the new time.")
            return redirect("notifications:notice_settings")
    else:
        preferences = therapist_preferences_of(request.user)
        brief_at = preferences.morning_brief_at or time.fromisoformat(MORNING_BRIEF_DEFAULT)
        form = NoticeSettingsForm(initial={"timezone": preferences.timezone, "morning_brief_at": brief_at})
    return render(request, "notifications/therapist/notice_settings.html", {"form": form})
