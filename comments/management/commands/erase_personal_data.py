from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from comments.services import erase_personal_data


class Command(BaseCommand):
    help = (
        "Anonymise every comment stored for an email: the text stays, the "
        "name, email, website and IP fingerprint go."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address.") from None
        count = erase_personal_data(email)
        self.stdout.write(f"Anonymised {count} comment(s) of {email}.")
