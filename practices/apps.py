from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "practices"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The audit trail sits below this app; it asks here for the role of a person signing in.
        from audit.record import register_role_lookup
        from practices.access import role_of

        register_role_lookup(role_of)
