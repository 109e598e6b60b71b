from django.apps import AppConfig


class BetweenConfig(AppConfig):
    name = "between"

    def ready(self):
        from between import (
            checks,  # noqa: F401 (registers the system checks)
            sign_in,  # noqa: F401 (connects the sign-in receiver)
        )
