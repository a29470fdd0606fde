from django.core.management.base import BaseCommand

from articles.services import publish_due_articles


class Command(BaseCommand):
    help = "Publish the signed-off articles whose publication time has come."

    def handle(self, *args, **options):
        count = publish_due_articles()
        self.stdout.write(f"Published {count} scheduled article(s).")
