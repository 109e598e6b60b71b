"""Put the built-in templates into the database, idempotently.

The model classes are passed in so the data migration can use its historical models.
"""

from homework.builtin.templates import BUILTIN_TEMPLATES
from homework.items import validate_definition
from homework.scoring import validate_scoring

VERSION_FIELDS = ("title", "summary", "rationale", "instructions", "items", "scoring")


def load_builtin_templates(ExerciseTemplate, TemplateVersion, templates=BUILTIN_TEMPLATES) -> int:
    """Create missing built-in templates and add a version to any whose content changed.

    Returns how many versions it created. An existing version is never edited: clients' answers
    keep the questions they answered.
    """
    # Refuse broken data before writing anything, so a bad edit cannot half-load the library.
    for data in templates:
        validate_definition(data["items"])
        validate_scoring(data["items"], data["scoring"])
    created = 0
    for data in templates:
        template, _ = ExerciseTemplate.objects.get_or_create(
            builtin_key=data["builtin_key"], defaults={"kind": data["kind"], "practice": None}
        )
        latest = template.versions.order_by("-number").first()
        content = {field: data[field] for field in VERSION_FIELDS}
        if latest and all(getattr(latest, field) == value for field, value in content.items()):
            continue
        TemplateVersion.objects.create(template=template, number=latest.number + 1 if latest else 1, **content)
        created += 1
    return created
