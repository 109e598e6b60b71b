"""What every page's template may print of notifications: the therapist's unread notices, for
the count in their navigation."""

from django.utils.functional import SimpleLazyObject

from notifications.access import unread_notice_count
from practices.access import membership_for


def unread_notices(request):
    """A lazy count: it queries only when a template prints it (the therapist's navigation), at
    most once per page, and is 0 for anyone who is not a therapist."""
    user = getattr(request, "user", None)

    def count():
        if user is None or membership_for(user) is None:
            return 0
        return unread_notice_count(user)

    return {"unread_notices": SimpleLazyObject(count)}
