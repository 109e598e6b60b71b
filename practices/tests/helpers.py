"""Small helpers the therapist-page tests share (practices and homework).

Who may not open a page is tests/test_authorization_matrix.py's job; these serve the few tests
that check a refusal the matrix does not make (an inactive client, another practice's template)."""

from conftest import SENTINEL


def assert_not_found(response):
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()


def assert_redirects_to_sign_in(response):
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
