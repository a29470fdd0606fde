import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from comments.services import export_personal_data


class Command(BaseCommand):
    help = "Print, as JSON, every comment and subscription stored for an email."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        self.stdout.write(json.dumps(export_personal_data(email), indent=2))
