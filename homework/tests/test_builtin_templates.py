import copy
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils.html import escape

from conftest import builtin_version
from homework.builtin.loader import load_builtin_templates
from homework.builtin.templates import BUILTIN_TEMPLATES
from homework.items import AnswersInvalid, answers_form_class, validate_answers, validate_definition
from homework.models import ExerciseKind, ExerciseTemplate, TemplateVersion
from homework.scoring import validate_scoring

REQUIRED_KEYS = {
    "journal", "thought-record", "exposure", "skill-practice", "behavioural-experiment", "activity",
    "behaviour-to-avoid", "communication", "reflection", "phq-9",
}  # fmt: skip
BY_KEY = {template["builtin_key"]: template for template in BUILTIN_TEMPLATES}
KEYS = list(BY_KEY)


def questions(template):
    return [item for item in template["items"] if item["type"] != "display"]


def sample_answer(item):
    """A valid answer to any item, as a client's browser would send it."""
    kind = item["type"]
    if kind in ("integer", "decimal"):
        return str((item.get("minValue", 0) + item.get("maxValue", 10)) // 2)
    if kind == "choice":
        first = item["answerOption"][0]["valueCoding"]["code"]
        return [first] if item.get("repeats") else first
    by_type = {"string": "Something", "text": "One\nTwo", "boolean": "yes", "date": "2025-03-30", "time": "08:15"}
    return by_type[kind]


def test_every_required_key_and_every_kind_has_a_builtin_template():
    assert set(BY_KEY) >= REQUIRED_KEYS
    assert {template["kind"] for template in BUILTIN_TEMPLATES} == set(ExerciseKind.values)
    assert len(KEYS) == len(BUILTIN_TEMPLATES)


def test_the_thought_record_asks_for_the_situation():
    assert "situation" in [item["linkId"] for item in BY_KEY["thought-record"]["items"]]


def problems(check, *args):
    """The messages `check` refuses its arguments with; [] when it accepts them."""
    try:
        check(*args)
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize("key", KEYS)
def test_the_definition_and_scoring_are_valid(key):
    template = BY_KEY[key]
    assert problems(validate_definition, template["items"]) == []
    assert problems(validate_scoring, template["items"], template["scoring"]) == []
    # A questionnaire without scoring would show no total and no severity band.
    assert bool(template["scoring"]) == (template["kind"] == ExerciseKind.QUESTIONNAIRE)


@pytest.mark.parametrize("key", KEYS)
def test_client_facing_texts_are_filled_in(key):
    template = BY_KEY[key]
    assert template["title"] and "\n" not in template["summary"]
    assert template["rationale"].count(". ") >= 1 and template["instructions"].startswith("1. ")


@pytest.mark.parametrize("key", KEYS)
def test_the_form_renders_every_question_in_order(key):
    template = BY_KEY[key]
    form = answers_form_class(template["items"])()
    html = "".join(escape(part) if kind == "display" else str(part) for kind, part in form.ordered_items())
    for item in questions(template):
        assert f'name="{item["linkId"]}"' in html
    page = html + "".join(str(field.label_tag()) + str(field.help_text) for field in form)
    for item in template["items"]:
        assert escape(item["text"]) in page


@pytest.mark.parametrize("key", KEYS)
def test_a_complete_answer_is_accepted(key):
    items = BY_KEY[key]["items"]
    answers = validate_answers(items, {item["linkId"]: sample_answer(item) for item in questions(BY_KEY[key])})
    assert set(answers) == {item["linkId"] for item in questions(BY_KEY[key])}


@pytest.mark.parametrize("key", KEYS)
def test_leaving_out_the_required_questions_is_rejected(key):
    required = {item["linkId"] for item in BY_KEY[key]["items"] if item.get("required")}
    assert required, "every built-in asks at least one thing"
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(BY_KEY[key]["items"], {})
    assert set(caught.value.errors) == required


@pytest.mark.parametrize("key", [key for key in KEYS if any("maxValue" in item for item in BY_KEY[key]["items"])])
def test_a_number_above_its_range_is_rejected(key):
    items = BY_KEY[key]["items"]
    ranged = next(item for item in items if "maxValue" in item)
    data = {item["linkId"]: sample_answer(item) for item in questions(BY_KEY[key])}
    data[ranged["linkId"]] = str(ranged["maxValue"] + 1)
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(items, data)
    assert list(caught.value.errors) == [ranged["linkId"]]


@pytest.mark.parametrize("key", ["phq-9", "gad-7"])
def test_an_answer_outside_the_questionnaire_options_is_rejected(key):
    items = BY_KEY[key]["items"]
    data = {item["linkId"]: sample_answer(item) for item in questions(BY_KEY[key])}
    data[f"{key.replace('-', '')}_1"] = "4"
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(items, data)
    assert caught.value.errors == {f"{key.replace('-', '')}_1": ["Choose one of the options."]}


# --- Loading -------------------------------------------------------------------------------------


def test_the_migration_loaded_every_builtin_as_version_1(db):
    """What homework/migrations/0002 left in the database, read before anything else loads the
    library (builtin_version() would load it itself and hide a migration that loads nothing)."""
    templates = ExerciseTemplate.objects.filter(builtin_key__isnull=False).exclude(builtin_key="")
    assert sorted(templates.values_list("builtin_key", flat=True)) == sorted(BY_KEY)
    for template in templates.prefetch_related("versions"):
        data = BY_KEY[template.builtin_key]
        (version,) = template.versions.all()
        assert version.number == 1 and template.practice is None
        assert template.kind == data["kind"] and version.items == data["items"]
        assert version.title == data["title"] and version.scoring == data["scoring"]


def test_loading_again_creates_nothing(db):
    before = TemplateVersion.objects.count()
    assert load_builtin_templates(ExerciseTemplate, TemplateVersion) == 0
    assert load_builtin_templates(ExerciseTemplate, TemplateVersion) == 0
    assert TemplateVersion.objects.count() == before


def test_the_command_loads_idempotently(db):
    out = StringIO()
    call_command("load_builtin_templates", stdout=out)
    assert "0 new version(s)" in out.getvalue()


def test_a_missing_template_is_created(db):
    ExerciseTemplate.objects.get(builtin_key="reflection").delete()
    assert load_builtin_templates(ExerciseTemplate, TemplateVersion) == 1
    assert builtin_version("reflection").number == 1


def test_changed_content_adds_version_2_and_leaves_version_1_alone(assignment_a):
    v1 = assignment_a.template_version
    changed = copy.deepcopy(BUILTIN_TEMPLATES)
    thought_record = next(t for t in changed if t["builtin_key"] == "thought-record")
    thought_record["items"][0]["text"] = "Where were you?"

    assert load_builtin_templates(ExerciseTemplate, TemplateVersion, changed) == 1

    v2 = builtin_version("thought-record")
    assert v2.number == 2 and v2.items[0]["text"] == "Where were you?"
    v1.refresh_from_db()
    assert v1.items == BY_KEY["thought-record"]["items"]
    assert load_builtin_templates(ExerciseTemplate, TemplateVersion, changed) == 0


def test_broken_builtin_data_is_refused_before_anything_is_written(db):
    edited = copy.deepcopy(BUILTIN_TEMPLATES)
    edited[0]["title"] = "A new title"
    edited[-1]["items"].append({"linkId": "x", "text": "X", "type": "slider"})
    with pytest.raises(ValidationError):
        load_builtin_templates(ExerciseTemplate, TemplateVersion, edited)
    assert builtin_version(edited[0]["builtin_key"]).number == 1


def test_a_version_in_use_cannot_be_saved(assignment_a):
    version = assignment_a.template_version
    version.title = "Edited"
    with pytest.raises(ValidationError, match="in use"):
        version.save()
