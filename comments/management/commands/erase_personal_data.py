from django.core.management.base import BaseCommand

from comments.privacy import erase_personal_data

from ._arguments import email_address


class Command(BaseCommand):
    help = (
        "Erase what the site stores about an email: the comments' text, name, "
        "email, website, IP fingerprint and browser, their earlier versions, "
        "the emails quoting them and their name in the clinic's replies."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", type=email_address)

    def handle(self, *args, email, **options):
        self.stdout.write(f"{email}: {erase_personal_data(email)}")
