from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from practices.team import practice_create


class Command(BaseCommand):
    help = "Create a practice and its owner, and print a single-use sign-in link for the owner."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The practice's name, e.g. 'Riverside Therapy'")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-name", required=True)

    def handle(self, *args, name, owner_email, owner_name, **options):
        try:
            practice, owner, token = practice_create(name=name, owner_email=owner_email, owner_name=owner_name)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        link = settings.SITE_URL + reverse("accounts:sign_in_link", args=[token])
        hours = settings.SIGN_IN_LINK_MAX_AGE // 3600
        self.stdout.write(f"Created practice {practice.name!r} with owner {owner.email}.")
        self.stdout.write(f"Sign-in link for the owner (works once, for {hours} hours):\n{link}")
