from django.core.management.base import BaseCommand

from articles.hub.services.links import sync_article_links
from articles.models import Article


class Command(BaseCommand):
    help = "Re-read every article's body and bring its stored links up to date."

    def handle(self, *args, **options):
        created = deleted = 0
        for article in Article.objects.only("pk", "body").iterator():
            new, stale = sync_article_links(article=article)
            created, deleted = created + new, deleted + stale
        self.stdout.write(f"Links: {created} added, {deleted} removed.")
