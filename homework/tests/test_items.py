from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django import forms
from django.core.exceptions import ValidationError

from homework.items import (
    ITEM_TYPES,
    AnswersInvalid,
    answer_rows,
    answers_form_class,
    initial_from_answers,
    to_fhir_questionnaire,
    to_fhir_response,
    validate_answers,
    validate_definition,
)


def option(code, display):
    return {"valueCoding": {"code": code, "display": display}}


ITEMS = [
    {"linkId": "intro", "text": "Think about today.", "type": "display"},
    {"linkId": "name", "text": "A word for it", "type": "string", "maxLength": 10},
    {"linkId": "story", "text": "What happened?", "type": "text", "required": True, "helpText": "In <b>your</b> words"},
    {"linkId": "evidence", "text": "Evidence", "type": "text", "repeats": True, "maxLength": 20},
    {"linkId": "intensity", "text": "How strong?", "type": "integer", "minValue": 0, "maxValue": 100},
    {"linkId": "hours", "text": "Hours slept", "type": "decimal", "minValue": 0, "maxValue": 24},
    {"linkId": "done", "text": "Did you do it?", "type": "boolean", "required": True},
    {"linkId": "feeling", "text": "Feeling", "type": "choice", "answerOption": [option("sad", "Sad"), option("calm", "Calm")]},
    {"linkId": "helped", "text": "What helped?", "type": "choice", "repeats": True,
     "answerOption": [option("walk", "A walk"), option("talk", "A talk")]},
    {"linkId": "day", "text": "Which day?", "type": "date"},
    {"linkId": "at", "text": "What time?", "type": "time"},
]  # fmt: skip

VALID = {"story": "I went out.", "done": "no"}


def errors_for(data, items=ITEMS):
    with pytest.raises(AnswersInvalid) as caught:
        validate_answers(items, data)
    return caught.value.errors


# --- validate_definition --------------------------------------------------------------------------


def test_a_definition_using_every_type_is_valid():
    assert {item["type"] for item in ITEMS} == set(ITEM_TYPES)
    try:
        validate_definition(ITEMS)
    except ValidationError as exc:
        pytest.fail(f"a valid definition was refused: {exc.messages}")


@pytest.mark.parametrize(
    "item, problem",
    [
        ({"linkId": "a", "text": "A", "type": "slider"}, "type must be one of"),
        ({"linkId": "a", "text": "A", "type": "choice"}, "needs at least one answerOption"),
        ({"linkId": "a", "text": "A", "type": "choice", "answerOption": [{"valueCoding": {"code": "x"}}]}, "display text"),
        ({"linkId": "a", "text": "A", "type": "choice", "answerOption": [option("x", "X"), option("x", "Y")]}, "unique"),
        ({"linkId": "a", "text": "A", "type": "integer", "minValue": 5, "maxValue": 1}, "minValue is above maxValue"),
        ({"linkId": "a", "text": "A", "type": "integer", "maxValue": 2.5}, "maxValue must be a whole number"),
        ({"linkId": "a", "text": "A", "type": "decimal", "minValue": "0"}, "minValue must be a number"),
        ({"linkId": "a", "text": "A", "type": "string", "minValue": 0}, "minValue only applies to"),
        ({"linkId": "a", "text": "A", "type": "integer", "repeats": True}, "can repeat"),
        ({"linkId": "a", "text": "A", "type": "display", "required": True}, "display item cannot be required"),
        ({"linkId": "a", "text": "A", "type": "string", "required": "yes"}, "required must be true or false"),
        ({"linkId": "a", "text": "A", "type": "string", "maxLength": 0}, "maxLength must be"),
        ({"linkId": "a", "text": "A", "type": "string", "colour": "red"}, "unknown keys colour"),
        ({"linkId": "a", "text": " ", "type": "string"}, "text is required"),
        ({"linkId": "1st", "text": "A", "type": "string"}, "linkId must start with a letter"),
        ({"linkId": "a", "text": "A", "type": "choice", "riskIfAbove": 0, "answerOption": [option("x", "X")]}, "codes that are numbers"),
        ({"linkId": "a", "text": "A", "type": "text", "riskIfAbove": 0}, "riskIfAbove only applies to"),
        ("not an item", "must be an object"),
    ],
)  # fmt: skip
def test_it_rejects_a_malformed_item(item, problem):
    with pytest.raises(ValidationError) as caught:
        validate_definition([item])
    assert any(problem in message for message in caught.value.messages), caught.value.messages


def test_it_rejects_a_duplicate_link_id():
    item = {"linkId": "same", "text": "A", "type": "string"}
    with pytest.raises(ValidationError, match="'same' is used twice"):
        validate_definition([item, {**item, "text": "B"}])


def test_it_rejects_a_definition_that_is_not_a_list():
    with pytest.raises(ValidationError, match="list of items"):
        validate_definition({"linkId": "a"})


def test_it_names_the_position_of_each_bad_item():
    with pytest.raises(ValidationError) as caught:
        validate_definition(
            [{"linkId": "ok", "text": "A", "type": "string"}, {"linkId": "b", "text": "B", "type": "x"}]
        )
    assert caught.value.messages == [f"Item 2: type must be one of {', '.join(ITEM_TYPES)}."]


# --- The form ------------------------------------------------------------------------------------


def test_the_form_has_one_field_per_question_named_by_link_id():
    form = answers_form_class(ITEMS)()
    expected = [item["linkId"] for item in ITEMS if item["type"] != "display"]
    assert list(form.fields) == expected
    assert form.fields["story"].label == "What happened?"


def test_help_text_is_escaped_because_therapists_write_definitions():
    form = answers_form_class(ITEMS)()
    assert form.fields["story"].help_text == "In &lt;b&gt;your&lt;/b&gt; words"


@pytest.mark.parametrize(
    "link_id, widget",
    [
        ("name", forms.TextInput),
        ("story", forms.Textarea),
        ("evidence", forms.Textarea),
        ("intensity", forms.NumberInput),
        ("done", forms.RadioSelect),
        ("feeling", forms.RadioSelect),
        ("helped", forms.CheckboxSelectMultiple),
        ("day", forms.DateInput),
        ("at", forms.TimeInput),
    ],
)
def test_each_type_gets_a_fitting_widget(link_id, widget):
    assert type(answers_form_class(ITEMS)().fields[link_id].widget) is widget


def test_number_inputs_carry_their_bounds():
    html = str(answers_form_class(ITEMS)()["intensity"])
    assert 'min="0"' in html and 'max="100"' in html


def test_date_and_time_use_native_pickers():
    form = answers_form_class(ITEMS)()
    assert 'type="date"' in str(form["day"]) and 'type="time"' in str(form["at"])


def test_a_boolean_offers_yes_and_no():
    html = str(answers_form_class(ITEMS)()["done"])
    assert 'value="yes"' in html and 'value="no"' in html and ">\n Yes</label>" in html


def test_ordered_items_keep_display_text_in_place():
    form = answers_form_class(ITEMS)()
    ordered = list(form.ordered_items())
    assert ordered[0] == ("display", "Think about today.")
    assert [kind for kind, _ in ordered[1:]] == ["field"] * (len(ITEMS) - 1)
    assert ordered[1][1].name == "name"


def test_the_form_keeps_what_was_typed_when_it_has_errors():
    form = answers_form_class(ITEMS)(data={"story": "Long story", "intensity": "140", "evidence": "one\ntwo"})
    assert not form.is_valid()
    assert "Long story" in str(form["story"])
    assert 'value="140"' in str(form["intensity"])
    assert "one\ntwo" in str(form["evidence"])


def test_the_form_and_validate_answers_agree():
    data = {**VALID, "intensity": "101"}
    form = answers_form_class(ITEMS)(data=data)
    assert not form.is_valid()
    assert errors_for(data) == {"intensity": list(form.errors["intensity"])}


# --- validate_answers ----------------------------------------------------------------------------


def test_minimal_answers_are_accepted_and_unanswered_optional_items_left_out():
    assert validate_answers(ITEMS, VALID) == {"story": "I went out.", "done": False}


def test_a_full_set_of_form_answers_is_cleaned_to_json_types():
    data = {
        "name": " Dread ",
        "story": "I went out.",
        "evidence": "They smiled\n\n  They asked me back \n",
        "intensity": "70",
        "hours": "7.5",
        "done": "yes",
        "feeling": "calm",
        "helped": ["walk", "talk"],
        "day": "2025-03-30",
        "at": "14:30",
    }
    assert validate_answers(ITEMS, data) == {
        "name": "Dread",
        "story": "I went out.",
        "evidence": ["They smiled", "They asked me back"],
        "intensity": 70,
        "hours": 7.5,
        "done": True,
        "feeling": "calm",
        "helped": ["walk", "talk"],
        "day": "2025-03-30",
        "at": "14:30:00",
    }


def test_json_typed_answers_are_accepted():
    data = {"story": "x", "done": True, "evidence": ["a", " b "], "intensity": 5, "hours": 8, "feeling": "sad"}
    answers = validate_answers(ITEMS, data)
    assert answers["done"] is True and answers["evidence"] == ["a", "b"]
    assert answers["intensity"] == 5 and answers["hours"] == 8.0


def test_a_required_question_needs_an_answer():
    assert errors_for({"done": "no"}) == {"story": ["This question needs an answer."]}


def test_a_required_boolean_accepts_no_but_not_silence():
    assert validate_answers(ITEMS, {"story": "x", "done": False})["done"] is False
    assert errors_for({"story": "x"}) == {"done": ["This question needs an answer."]}
    assert errors_for({"story": "x", "done": "maybe"}) == {"done": ["Answer yes or no."]}


@pytest.mark.parametrize("value", ["101", "-1", "7.5", "seven", True])
def test_an_integer_must_be_whole_and_in_range(value):
    assert errors_for({**VALID, "intensity": value}) == {"intensity": ["Enter a whole number between 0 and 100."]}


def test_an_integer_at_its_bounds_is_accepted():
    assert validate_answers(ITEMS, {**VALID, "intensity": "0"})["intensity"] == 0
    assert validate_answers(ITEMS, {**VALID, "intensity": "100"})["intensity"] == 100


@pytest.mark.parametrize("value", ["24.5", "nan", "inf", "lots"])
def test_a_decimal_must_be_a_finite_number_in_range(value):
    assert errors_for({**VALID, "hours": value}) == {"hours": ["Enter a number between 0 and 24."]}


def test_a_bound_on_one_side_is_worded_on_that_side():
    items = [
        {"linkId": "low", "text": "L", "type": "integer", "minValue": 1},
        {"linkId": "high", "text": "H", "type": "decimal", "maxValue": 2.5},
    ]
    assert errors_for({"low": "0", "high": "3"}, items) == {
        "low": ["Enter a whole number of 1 or more."],
        "high": ["Enter a number of 2.5 or less."],
    }


def test_a_choice_must_be_one_of_the_options():
    assert errors_for({**VALID, "feeling": "angry"}) == {"feeling": ["Choose one of the options."]}


def test_a_repeating_choice_takes_several_options_but_only_known_ones():
    assert validate_answers(ITEMS, {**VALID, "helped": ["talk"]})["helped"] == ["talk"]
    assert errors_for({**VALID, "helped": ["walk", "run"]}) == {"helped": ["Choose from the options shown."]}
    assert errors_for({**VALID, "helped": "walk"}) == {"helped": ["Choose from the options shown."]}


def test_a_required_repeating_item_needs_one_non_empty_line():
    items = [{"linkId": "ev", "text": "E", "type": "string", "repeats": True, "required": True}]
    assert errors_for({"ev": " \n \n"}, items) == {"ev": ["This question needs an answer."]}
    assert errors_for({"ev": []}, items) == {"ev": ["This question needs an answer."]}


def test_max_length_applies_to_text_and_to_each_repeated_line():
    errors = errors_for({**VALID, "name": "x" * 11, "evidence": "short\n" + "y" * 21})
    assert errors == {
        "name": ["Keep this to 10 characters or fewer (it has 11)."],
        "evidence": ["Keep this to 20 characters or fewer (it has 21)."],
    }


def test_a_single_text_answer_cannot_be_a_list():
    assert errors_for({**VALID, "story": ["a", "b"]}) == {"story": ["This question takes a single answer."]}


def test_repeated_text_must_be_a_list_of_strings():
    assert errors_for({**VALID, "evidence": ["a", 3]}) == {"evidence": ["Write each answer on its own line."]}


@pytest.mark.parametrize("link_id, value", [("day", "2025-02-30"), ("day", "tomorrow"), ("at", "25:00")])
def test_dates_and_times_must_be_real(link_id, value):
    errors = errors_for({**VALID, link_id: value})
    assert list(errors) == [link_id] and errors[link_id][0].startswith("Enter a ")


def test_errors_are_reported_for_every_bad_question_at_once():
    errors = errors_for({"intensity": "500", "feeling": "x", "done": ""})
    assert set(errors) == {"story", "intensity", "feeling", "done"}


def test_answers_invalid_is_a_validation_error_with_a_message_dict():
    with pytest.raises(ValidationError) as caught:
        validate_answers(ITEMS, {"done": "no"})
    assert caught.value.message_dict == {"story": ["This question needs an answer."]}


def test_keys_that_are_not_questions_are_ignored():
    extra = {**VALID, "csrfmiddlewaretoken": "abc", "intro": "x"}
    assert validate_answers(ITEMS, extra) == validate_answers(ITEMS, VALID)


# --- Editing and showing answers -----------------------------------------------------------------

ANSWERS = {
    "name": "Dread",
    "story": "I went out.",
    "evidence": ["They smiled", "They asked me back"],
    "intensity": 70,
    "hours": 7.5,
    "done": False,
    "feeling": "calm",
    "helped": ["walk", "talk"],
    "day": "2025-03-30",
    "at": "14:30:00",
}


def test_initial_from_answers_round_trips_through_the_form():
    initial = initial_from_answers(ITEMS, ANSWERS)
    assert initial["evidence"] == "They smiled\nThey asked me back"
    assert initial["done"] == "no"
    assert validate_answers(ITEMS, initial) == ANSWERS


def test_initial_from_answers_prefills_the_widgets():
    form = answers_form_class(ITEMS)(initial=initial_from_answers(ITEMS, ANSWERS))
    assert 'value="no" required id="id_done_1" checked' in str(form["done"])
    assert 'value="14:30"' in str(form["at"])
    assert 'value="2025-03-30"' in str(form["day"])
    assert "They smiled\nThey asked me back</textarea>" in str(form["evidence"])


def test_answer_rows_are_readable_and_skip_display_and_unanswered_items():
    rows = answer_rows(ITEMS, {**ANSWERS, "name": ""})
    values = {row["linkId"]: row["value"] for row in rows}
    assert "intro" not in values and "name" not in values
    assert values == {
        "story": "I went out.",
        "evidence": "They smiled; They asked me back",
        "intensity": "70",
        "hours": "7.5",
        "done": "No",
        "feeling": "Calm",
        "helped": "A walk; A talk",
        "day": "March 30, 2025",
        "at": "14:30",
    }
    assert rows[0] == {"linkId": "story", "text": "What happened?", "value": "I went out."}


# --- FHIR ----------------------------------------------------------------------------------------


def test_a_version_exports_as_a_fhir_questionnaire():
    version = SimpleNamespace(title="Check-in", number=3, summary="A short check-in", items=ITEMS)
    questionnaire = to_fhir_questionnaire(version)
    assert questionnaire["resourceType"] == "Questionnaire" and questionnaire["version"] == "3"
    by_id = {item["linkId"]: item for item in questionnaire["item"]}
    assert by_id["intro"] == {"linkId": "intro", "text": "Think about today.", "type": "display"}
    assert by_id["story"]["required"] is True and by_id["story"]["item"][0]["text"] == "In <b>your</b> words"
    assert by_id["intensity"]["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 100},
    ]
    assert by_id["helped"]["repeats"] is True and by_id["helped"]["answerOption"][0] == option("walk", "A walk")


def test_an_entry_exports_as_a_fhir_questionnaire_response():
    entry = SimpleNamespace(
        assignment=SimpleNamespace(template_version=SimpleNamespace(items=ITEMS)),
        answers=ANSWERS,
        outcome="done",
        created_at=datetime(2025, 3, 30, 12, 0, tzinfo=UTC),
    )
    response = to_fhir_response(entry)
    assert response["resourceType"] == "QuestionnaireResponse" and response["status"] == "completed"
    answers = {item["linkId"]: item["answer"] for item in response["item"]}
    assert answers["evidence"] == [{"valueString": "They smiled"}, {"valueString": "They asked me back"}]
    assert answers["intensity"] == [{"valueInteger": 70}]
    assert answers["hours"] == [{"valueDecimal": 7.5}]
    assert answers["done"] == [{"valueBoolean": False}]
    assert answers["feeling"] == [{"valueCoding": {"code": "calm", "display": "Calm"}}]
    assert answers["day"] == [{"valueDate": "2025-03-30"}]
    assert answers["at"] == [{"valueTime": "14:30:00"}]
    assert "intro" not in answers
