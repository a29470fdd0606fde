from django.core.management.base import BaseCommand

from comments.services import erase_personal_data

from ._arguments import email_address


class Command(BaseCommand):
    help = (
        "Anonymise every comment stored for an email: the text stays, the "
        "name, email, website and IP fingerprint go."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", type=email_address)

    def handle(self, *args, email, **options):
        count = erase_personal_data(email)
        self.stdout.write(f"Anonymised {count} comment(s) of {email}.")
