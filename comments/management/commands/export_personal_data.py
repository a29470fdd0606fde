import json

from django.core.management.base import BaseCommand

from comments.privacy import export_personal_data

from ._arguments import email_address


class Command(BaseCommand):
    help = "Print, as JSON, everything the site stores about an email."

    def add_arguments(self, parser):
        parser.add_argument("email", type=email_address)

    def handle(self, *args, email, **options):
        data = export_personal_data(email)
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
