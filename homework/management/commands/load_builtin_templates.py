from django.core.management.base import BaseCommand
from django.db import transaction

from homework.builtin.loader import load_builtin_templates
from homework.models import ExerciseTemplate, TemplateVersion


class Command(BaseCommand):
    help = "Add the built-in exercise templates, and a new version of any whose content changed."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = load_builtin_templates(ExerciseTemplate, TemplateVersion)
        self.stdout.write(f"Built-in templates loaded: {created} new version(s).")
