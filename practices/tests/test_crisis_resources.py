"""Crisis resources per practice (README.md, "Crisis resources"): the owner sets them, each client
sees their own practice's on the crisis page, everyone else the international defaults."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from practices import crisis
from practices.models import CrisisResources

pytestmark = pytest.mark.django_db

URL = "/team/crisis/"
NUMBERS_A = [("Telefonseelsorge", "0800 111 0 111"), ("Notruf", "112")]


def settings_body(country="Germany", numbers=NUMBERS_A, note="Die nächste Notaufnahme: Charité, Mitte."):
    body = {"country": country, "note": note}
    for n, (label, number) in enumerate(numbers):
        body[f"label_{n}"], body[f"number_{n}"] = label, number
    return body


def crisis_page(http):
    response = http.get(reverse("crisis"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_url_is_the_settings_page():
    assert reverse("practices:crisis_settings") == URL


def test_the_owner_sees_the_defaults_and_the_note_to_check_them(sign_in, therapist_a):
    page = sign_in(therapist_a).get(URL).content.decode()
    assert "Check every number for your practice's country before your clients rely on it" in page
    assert "international defaults" in page
    # The form starts from the defaults, so the owner edits rather than types from nothing.
    assert 'value="116 123"' in page and 'value="International"' in page


def test_the_owner_saves_and_their_clients_see_them(sign_in, therapist_a, client_a, client_b):
    http = sign_in(therapist_a)
    response = http.post(URL, settings_body())
    assert response.status_code == 302
    row = CrisisResources.objects.get(practice=therapist_a.memberships.get().practice)
    assert row.country == "Germany" and row.updated_by == therapist_a
    assert row.numbers == [
        {"label": "Telefonseelsorge", "number": "0800 111 0 111"},
        {"label": "Notruf", "number": "112"},
    ]
    page = http.get(URL).content.decode()
    assert 'value="Telefonseelsorge"' in page and "Last saved" in page

    page = crisis_page(sign_in(client_a.user))
    assert 'href="tel:08001110111"' in page and "Telefonseelsorge" in page
    assert "Numbers for Germany, from your practice" in page
    assert "Charité" in page
    assert "Samaritans" not in page


def test_each_practice_has_its_own_and_anonymous_visitors_see_the_defaults(
    sign_in, client, therapist_a, therapist_b, client_a, client_b
):
    practice_a = therapist_a.memberships.get().practice
    practice_b = therapist_b.memberships.get().practice
    crisis.crisis_resources_set(practice=practice_a, actor=therapist_a, country="Germany", numbers=NUMBERS_A)
    crisis.crisis_resources_set(
        practice=practice_b, actor=therapist_b, country="United States", numbers=[("988 Lifeline", "988")]
    )
    page_a = crisis_page(sign_in(client_a.user))
    assert "Telefonseelsorge" in page_a and "988 Lifeline" not in page_a
    page_b = crisis_page(sign_in(client_b.user))
    assert "988 Lifeline" in page_b and "Telefonseelsorge" not in page_b
    client.logout()
    anonymous = crisis_page(client)
    assert "Telefonseelsorge" not in anonymous and "988 Lifeline" not in anonymous
    for default in ('href="tel:112"', 'href="tel:911"', 'href="tel:999"', 'href="tel:988"', 'href="tel:116123"'):
        assert default in anonymous
    # A therapist is nobody's client: the defaults too.
    assert "Telefonseelsorge" not in crisis_page(sign_in(therapist_a))


def test_a_former_client_sees_the_defaults(sign_in, therapist_a, client_a):
    crisis.crisis_resources_set(practice=client_a.practice, actor=therapist_a, country="Germany", numbers=NUMBERS_A)
    client_a.is_active = False
    client_a.save()
    assert "Telefonseelsorge" not in crisis_page(sign_in(client_a.user))


def test_an_owner_edits_only_their_own_practices(sign_in, therapist_a, therapist_b):
    sign_in(therapist_b).post(URL, settings_body(country="Canada", numbers=[("Talk Suicide", "1-833-456-4566")]))
    assert CrisisResources.objects.get().practice == therapist_b.memberships.get().practice
    assert not CrisisResources.objects.filter(practice=therapist_a.memberships.get().practice).exists()


def test_a_therapist_who_is_not_the_owner_gets_404(sign_in, colleague_a):
    http = sign_in(colleague_a)
    assert http.get(URL).status_code == 404
    assert http.post(URL, settings_body()).status_code == 404
    assert not CrisisResources.objects.exists()


def test_a_client_gets_404_and_anonymous_is_sent_to_sign_in(sign_in, client, client_a):
    assert client.get(URL).status_code == 302
    assert sign_in(client_a.user).get(URL).status_code == 404


def test_an_invalid_number_is_refused_and_everything_typed_stays(sign_in, therapist_a):
    body = settings_body(numbers=[("Notruf", "call 112"), ("Telefonseelsorge", "0800 111 0 111")])
    response = sign_in(therapist_a).post(URL, body)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["number_0"] == [crisis.NUMBER_INVALID]
    page = response.content.decode()
    assert 'value="call 112"' in page and 'value="Telefonseelsorge"' in page and "Charité" in page
    assert "nothing you typed was lost" in page
    assert not CrisisResources.objects.exists()


@pytest.mark.parametrize(
    "numbers, field, message",
    [
        ([("Notruf", "1" * 21)], "number_0", crisis.NUMBER_INVALID),
        ([("Notruf", "+-- -")], "number_0", crisis.NUMBER_INVALID),
        ([("Notruf", "")], "number_0", crisis.NUMBER_MISSING),
        ([("", "112")], "label_0", crisis.LABEL_MISSING),
        ([("", ""), ("Notruf", "11a")], "number_1", crisis.NUMBER_INVALID),
        ([], "number_0", crisis.NO_NUMBERS),
    ],
)
def test_the_rulebook_words_every_refusal(therapist_a, numbers, field, message):
    practice = therapist_a.memberships.get().practice
    with pytest.raises(ValidationError) as refused:
        crisis.crisis_resources_set(practice=practice, actor=therapist_a, country="Germany", numbers=numbers)
    assert refused.value.message_dict[field] == [message]


def test_a_country_is_required_and_loose_numbers_pass(therapist_a):
    practice = therapist_a.memberships.get().practice
    with pytest.raises(ValidationError) as refused:
        crisis.crisis_resources_set(practice=practice, actor=therapist_a, country=" ", numbers=NUMBERS_A)
    assert refused.value.message_dict["country"] == [crisis.COUNTRY_REQUIRED]
    row = crisis.crisis_resources_set(
        practice=practice, actor=therapist_a, country="Anywhere",
        numbers=[("Intl", "+44 20 7123-4567"), ("", ""), ("Short", " 112 ")],
    )  # fmt: skip
    assert [n["number"] for n in row.numbers] == ["+44 20 7123-4567", "112"]
    assert crisis.resources_of(row).numbers[0].tel == "+442071234567"


def test_saving_is_audited(therapist_a):
    from audit.models import AuditAction, AuditEvent

    practice = therapist_a.memberships.get().practice
    crisis.crisis_resources_set(practice=practice, actor=therapist_a, country="Germany", numbers=NUMBERS_A)
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="CrisisResources", object_code=practice.code, actor=therapist_a
    ).exists()


def test_the_team_page_links_the_owner_to_it(sign_in, therapist_a):
    assert URL in sign_in(therapist_a).get(reverse("practices:team")).content.decode()


def test_the_crisis_link_include_points_at_the_crisis_page():
    from django.template.loader import render_to_string

    assert f'href="{reverse("crisis")}"' in render_to_string("includes/crisis_link.html")
