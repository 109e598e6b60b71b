"""The therapist's start page and the feedback on their own assigning.

Both show only the signed-in therapist's own caseload and assignments, so there is no record in
the URL and no door to pass: the loaders scope by the user (insights.home, insights.feedback).
"""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from insights import feedback
from insights import home as home_data
from insights.patterns import QUIET_DAYS
from practices.decorators import therapist_required


@therapist_required
@require_GET
def home(request):
    context = {
        "home": home_data.load_home(request.user),
        "not_engaging_rule": home_data.NOT_ENGAGING_RULE,
        "quiet_rule": home_data.QUIET_RULE,
        "quiet_days": QUIET_DAYS,
        "period_days": home_data.PERIOD_DAYS,
    }
    return render(request, "insights/home.html", context)


@therapist_required
@require_GET
def assigning_feedback(request):
    now = timezone.now()
    facts = feedback.load_facts(request.user, now=now)
    context = {"shares": feedback.shares(facts, now), "total": len(facts), "days": feedback.FEEDBACK_DAYS}
    return render(request, "insights/feedback.html", context)
