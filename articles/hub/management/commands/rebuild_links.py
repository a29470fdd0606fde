from django.core.management.base import BaseCommand

from articles.hub.services.links import sync_links
from articles.models import Article

#: Articles read at a time: a few queries for each batch.
BATCH = 500


class Command(BaseCommand):
    help = "Re-read every article's body and bring its stored links up to date."

    def handle(self, *args, **options):
        created = deleted = 0
        ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            batch = Article.objects.filter(pk__in=ids[start : start + BATCH])
            new, stale = sync_links(list(batch.only("pk", "body")))
            created, deleted = created + new, deleted + stale
        self.stdout.write(f"Links: {created} added, {deleted} removed.")
