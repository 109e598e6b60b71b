"""The practice owner's view of the outbox: emails to the practice's people that we gave up on,
and a retry. Who, which kind, how often and why (the error's class), never what the email says.

Reads through notifications.access, the retry through notifications.retrying.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from notifications.access import failed_messages_of, get_failed_message_for_owner, therapist_preferences_of
from notifications.retrying import message_retry, read_retry_token, retry_token
from practices.decorators import owner_required

MESSAGES_PER_PAGE = 25
NOTHING_CHOSEN = "Choose an email to retry with its Retry button."


def _page(request, *, refused="", status=200):
    page = Paginator(failed_messages_of(request.user), MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [(message, retry_token(message.pk)) for message in page],
        "practice": request.membership.practice,
        "zone": therapist_preferences_of(request.user).timezone,
        "refused": refused,
    }
    return render(request, "notifications/operator/failed_deliveries.html", context, status=status)


@owner_required
@require_http_methods(["GET", "POST"])
def failed_deliveries(request):
    if request.method != "POST":
        return _page(request)
    token = request.POST.get("message")
    if not token:
        return _page(request, refused=NOTHING_CHOSEN, status=400)
    # A changed, foreign or stale token is "not found", like a record that does not exist.
    message = get_failed_message_for_owner(request.user, read_retry_token(token), request=request)
    try:
        message_retry(message=message, actor=request.user)
    except ValidationError as exc:
        return _page(request, refused=exc.messages[0], status=409)
    messages.success(request, f"Sending the email to {message.recipient.email} again.")
    return redirect("notifications:failed_deliveries")
