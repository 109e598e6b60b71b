"""Small helpers the therapist-page tests share (practices and homework)."""

from conftest import SENTINEL

# Signed-in people who must never see therapist A's clients: a colleague in the same practice,
# a therapist of another practice, and A's own client signed in as themself.
OUTSIDERS = ["colleague_a", "therapist_b", "client_a_user"]


def outsider(request, name):
    return request.getfixturevalue(name)


def assert_not_found(response):
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()


def assert_redirects_to_sign_in(response):
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
