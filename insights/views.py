"""The therapist's pre-session brief: a page per appointment, the same as a PDF, and ticking off
the client's topics in session.

Only the treating therapist: the appointment comes through practices.access and a topic through
insights.access, which answer 404 (and record the refusal) for anyone else, a colleague or the
practice's owner included. Each page runs a fixed number of queries (insights.brief).
"""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from homework.forms import ReviewForm
from insights.access import get_topic_for_therapist
from insights.brief import build_brief
from insights.topics import topic_mark_discussed
from lib.ratelimit import rate_limited
from lib.redirects import local_path
from practices.access import get_appointment_for_export, get_appointment_for_therapist
from practices.decorators import therapist_required

DISCUSSED = "Ticked off."


def _context(request, appointment, *, pdf):
    brief = build_brief(appointment, now=timezone.now())
    if not pdf:
        for item in brief.assignments:
            # Ids carry the assignment's code: one page holds a review form per assignment.
            item.form = ReviewForm(auto_id=f"review-{item.assignment.code}-%s")
    return {
        "base": "insights/pdf_base.html" if pdf else "base_therapist.html",
        "pdf": pdf,
        "brief": brief,
        "client": appointment.client,
        "appointment": appointment,
    }


@therapist_required
@require_GET
def brief(request, code):
    appointment = get_appointment_for_therapist(request.user, code, request=request)
    return render(request, "insights/brief.html", _context(request, appointment, pdf=False))


@therapist_required
@require_GET
@reauthentication_required  # an export: the password (or second factor) in the last 5 minutes
@rate_limited("export")
def brief_pdf(request, code):
    from insights.pdf import html_to_pdf  # here, not at start-up: see insights/pdf.py

    appointment = get_appointment_for_export(request.user, code, request=request)
    html = render_to_string("insights/brief.html", _context(request, appointment, pdf=True), request=request)
    pdf = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    # The code, not the client's name: a downloads folder or a print queue lists file names.
    response["Content-Disposition"] = f'inline; filename="brief-{appointment.code}.pdf"'
    return response


@therapist_required
@require_http_methods(["GET", "POST"])
def topic_discussed(request, code):
    # Authorize before answering 405 to a GET, so a stranger gets the same 404 as for a
    # missing record.
    topic = get_topic_for_therapist(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    topic_mark_discussed(topic=topic, therapist=request.user)
    messages.success(request, DISCUSSED)
    back = local_path(request, request.POST.get("next"))
    return redirect(back) if back else redirect("homework:client_detail", code=topic.client.code)
