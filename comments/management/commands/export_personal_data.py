import json

from django.core.management.base import BaseCommand

from comments.services import export_personal_data

from ._arguments import email_address


class Command(BaseCommand):
    help = "Print, as JSON, every comment and subscription stored for an email."

    def add_arguments(self, parser):
        parser.add_argument("email", type=email_address)

    def handle(self, *args, email, **options):
        self.stdout.write(json.dumps(export_personal_data(email), indent=2))
