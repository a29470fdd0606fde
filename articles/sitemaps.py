from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Article, Category


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().order_by("pk")

    def lastmod(self, item):
        return item.last_updated


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return (
            Category.objects.annotate(
                last_change=Max(
                    "articles__revised_at",
                    filter=Article.objects.published_q(prefix="articles__"),
                )
            )
            .filter(last_change__isnull=False)
            .order_by("position", "pk")
        )

    def lastmod(self, item):
        return item.last_change


SITEMAPS = {"articles": ArticleSitemap, "categories": CategorySitemap}
