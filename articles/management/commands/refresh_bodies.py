from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article
from articles.models.media import with_renditions
from articles.richtext import add_heading_ids
from clinic.pagecache import invalidate_after_commit


class Command(BaseCommand):
    help = (
        "Draw again the HTML readers get of every article body (heading "
        "anchors, pictures as renditions) from the stored body, after an "
        "upgrade that changed how bodies are drawn. The bodies themselves, "
        "and their sign-offs, are left as they are."
    )

    def handle(self, *args, **options):
        changed = 0
        articles = Article.objects.only("body", "body_html", "toc").order_by("pk")
        for article in articles.iterator(chunk_size=200):
            html, toc = add_heading_ids(article.body)
            html = with_renditions(html)
            if (html, toc) != (article.body_html, article.toc):
                with transaction.atomic():
                    # Only over the body it was drawn from: an article
                    # published meanwhile keeps the HTML of its new body.
                    changed += Article.objects.filter(
                        pk=article.pk, body=article.body
                    ).update(body_html=html, toc=toc)
                    invalidate_after_commit()
        self.stdout.write(
            f"{changed} article bod{'y' if changed == 1 else 'ies'} drawn again."
        )
