from practices.tests.helpers import client_a_user  # noqa: F401  (fixture)
