"""The brief as a PDF: rendered by WeasyPrint, then read back with poppler (pdftotext for its text,
pdftoppm for its pixels), as a person would see it. `make test` installs poppler-utils."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from conftest import SENTINEL, make_assignment, make_entry
from insights.models import SessionTopic
from insights.pdf import StaticFilesOnly

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
CHART_BLUE = (0x00, 0x72, 0xB2)  # the first series of every chart (insights.charts.COLOURS)
RISK_RED = (0xB4, 0x23, 0x18)  # the risk box's border, drawn only if the stylesheet was loaded


@pytest.fixture(scope="module", autouse=True)
def poppler():
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    assert not missing, f"{missing} not installed: `make browser` (run by `make test`) installs poppler-utils"


@pytest.fixture
def world(client_a, appointment_a, entry_a):
    """entry_a (wants to talk about it) carries a breakout payload; a topic carries a script; an
    exposure has numbers to chart; a PHQ-9 raised a risk flag."""
    entry_a.answers = {"situation": f"Situation {SENTINEL}", "automatic_thought": BREAKOUT}
    entry_a.save()
    SessionTopic.objects.create(client=client_a, text=SCRIPT)
    lift = make_assignment(client_a, key="exposure", title="Lift ladder")
    for n in range(4):
        make_entry(lift, answers={"suds_before": 70 - 5 * n, "suds_peak": 90 - 10 * n, "suds_after": 40 - 5 * n})
    phq9 = make_assignment(client_a, key="phq-9", frequency="once")
    make_entry(phq9, answers={"phq9_9": "3"}, score=21, severity="Severe", risk_flag=True, helpfulness=None,
               difficulty="")  # fmt: skip
    return appointment_a


def get_pdf(sign_in, therapist, appointment):
    response = sign_in(therapist).get(reverse("insights:brief_pdf", args=[appointment.code]))
    assert response.status_code == 200
    return response


def text_of(pdf, tmp_path):
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    return " ".join(out.stdout.decode().split())


def pixels_of(pdf, tmp_path):
    """Every page as (width, height, RGB bytes), from pdftoppm's plain PPM output."""
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    pages = []
    for ppm in sorted(tmp_path.glob("page*.ppm")):
        data = ppm.read_bytes()
        magic, width, height, depth, rest = data.split(maxsplit=4)
        assert magic == b"P6" and depth == b"255"
        pages.append((int(width), int(height), rest))
    return pages


def count_colours(pages, colours, tolerance=24):
    """How many pixels are near each of `colours` (anti-aliased edges included)."""
    counts = dict.fromkeys(colours, 0)
    for _, _, rgb in pages:
        for pixel in zip(rgb[0::3], rgb[1::3], rgb[2::3], strict=True):
            for colour in colours:
                if all(abs(pixel[k] - colour[k]) <= tolerance for k in range(3)):
                    counts[colour] += 1
    return counts


def test_the_pdf_is_inline_with_a_file_name_that_names_no_one(world, sign_in, therapist_a):
    response = get_pdf(sign_in, therapist_a, world)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'inline; filename="brief-{world.code}.pdf"'
    assert "Dana" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_the_pdf_holds_the_sections_the_client_and_the_flagged_entries(world, sign_in, therapist_a, tmp_path):
    text = text_of(get_pdf(sign_in, therapist_a, world).content, tmp_path)
    assert "Pre-session brief: Dana Client" in text
    headings = ["Risk flags", "What Dana Client wants to talk about", "Homework", "Patterns", "Skip reasons",
                "Entries to talk about", "Comments awaiting a reply", "Questionnaires", "Trends",
                "How the patterns are found"]  # fmt: skip
    at = 0
    for heading in headings:  # the same sections as the page, in the same order
        at = text.index(heading, at) + len(heading)
    # The risk-flagged PHQ-9 with the answer that raised it, and the entry the client wants to discuss.
    assert "score 21 (Severe)" in text and "Nearly every day" in text
    assert f"Situation {SENTINEL}" in text
    assert "Save review" not in text and "Discussed" not in text, "no forms on paper"


def test_the_pdf_draws_the_charts_and_its_stylesheet(world, sign_in, therapist_a, tmp_path):
    pdf = get_pdf(sign_in, therapist_a, world).content
    counts = count_colours(pixels_of(pdf, tmp_path), (CHART_BLUE, RISK_RED))
    assert counts[CHART_BLUE] > 60, "no chart line in the PDF"
    assert counts[RISK_RED] > 50, "the risk box is not drawn: was the stylesheet loaded?"
    text = text_of(pdf, tmp_path)
    assert "SUDS before, at peak and after each trial: Lift ladder" in text, "the chart's title is text"


def test_payloads_are_text_in_the_pdf_and_escaped_on_the_page(world, sign_in, therapist_a, tmp_path):
    text = text_of(get_pdf(sign_in, therapist_a, world).content, tmp_path)
    assert SCRIPT in text and BREAKOUT in text
    page = sign_in(therapist_a).get(reverse("insights:brief", args=[world.code])).content.decode()
    assert SCRIPT not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_renderer_reads_only_our_static_files_and_data_uris():
    fetcher = StaticFilesOnly("http://testserver/")
    css = fetcher.fetch("http://testserver/static/css/between.css")
    assert css.content_type == "text/css" and b".risk-warning" in css.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        "http://testserver/static/../../between/settings.py",
        "http://testserver/static/missing.css",
        "http://example.com/x.css",
        "file:///etc/passwd",
        "http://testserver/accounts/login/",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
