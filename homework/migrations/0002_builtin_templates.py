from django.db import migrations

from homework.builtin.loader import load_builtin_templates


def load(apps, schema_editor):
    # Loads today's built-in data; being idempotent, later content ships through the
    # load_builtin_templates command (or a later migration calling it again).
    ExerciseTemplate = apps.get_model("homework", "ExerciseTemplate")
    TemplateVersion = apps.get_model("homework", "TemplateVersion")
    load_builtin_templates(ExerciseTemplate, TemplateVersion)


class Migration(migrations.Migration):
    dependencies = [("homework", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
