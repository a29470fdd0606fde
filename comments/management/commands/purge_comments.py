from django.core.management.base import BaseCommand

from comments.services import purge_comments


class Command(BaseCommand):
    help = "Erase IP fingerprints and delete spam and trash past the retention."

    def handle(self, *args, **options):
        counts = purge_comments()
        self.stdout.write(
            f"Erased {counts['ip_hashes_erased']} IP fingerprint(s); "
            f"deleted {counts['deleted']} spam or trash comment(s)."
        )
