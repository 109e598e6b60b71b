import pytest
from django.urls import reverse

from conftest import SENTINEL
from homework.models import ExerciseKind, ExerciseTemplate, TemplateVersion

LIST = reverse("homework:template_list")


@pytest.fixture
def practice_template(practice_a):
    template = ExerciseTemplate.objects.create(kind=ExerciseKind.JOURNAL, practice=practice_a)
    TemplateVersion.objects.create(
        template=template,
        number=1,
        title=f"Our worry diary {SENTINEL}",
        summary="Write worries down at six",
        rationale="Postponing worry shrinks it",
        instructions="At six, write each worry",
        items=[
            {"linkId": "intro", "text": "Take ten minutes.", "type": "display"},
            {"linkId": "worry", "text": "What worried you?", "type": "text", "required": True},
            {"linkId": "level", "text": "How strong?", "type": "integer", "minValue": 0, "maxValue": 10},
        ],
    )
    return template


def test_it_lists_built_in_and_practice_templates_grouped_by_kind(sign_in, therapist_a, practice_template):
    response = sign_in(therapist_a).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    for kind in ExerciseKind:
        assert f'id="kind-{kind.value}"' in body, kind
    assert "Our worry diary" in body and "Your practice" in body and "Built-in" in body
    assert body.index('id="kind-journal"') < body.index("Our worry diary") < body.index('id="kind-thought_record"')
    assert reverse("homework:template_detail", args=[practice_template.code]) in body


def test_colleagues_share_the_practice_library(sign_in, colleague_a, practice_template):
    assert "Our worry diary" in sign_in(colleague_a).get(LIST).content.decode()


def test_archived_templates_are_left_out(sign_in, therapist_a, practice_template):
    practice_template.is_archived = True
    practice_template.save()
    assert "Our worry diary" not in sign_in(therapist_a).get(LIST).content.decode()


def test_its_query_count_is_fixed(sign_in, therapist_a, django_assert_max_num_queries):
    browser = sign_in(therapist_a)
    with django_assert_max_num_queries(6):
        assert browser.get(LIST).status_code == 200


# --- One template -------------------------------------------------------------------------------


def detail(template):
    return reverse("homework:template_detail", args=[template.code])


def test_it_shows_a_template_with_a_read_only_preview(sign_in, therapist_a, practice_template):
    response = sign_in(therapist_a).get(detail(practice_template))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Our worry diary" in body
    assert "Write worries down at six" in body
    assert "Postponing worry shrinks it" in body and "At six, write each worry" in body
    assert "Take ten minutes." in body
    assert '<label for="preview_worry">What worried you?' in body
    assert "disabled" in body
    assert "<form" not in body.split('id="main"')[1]


def test_it_shows_every_built_in_template(sign_in, therapist_a):
    browser = sign_in(therapist_a)
    builtins = ExerciseTemplate.objects.filter(practice__isnull=True)
    assert builtins.count() >= 10
    for template in builtins:
        response = browser.get(detail(template))
        assert response.status_code == 200, template.builtin_key
        assert template.latest_version().title in response.content.decode()
