from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Article, Category


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    #: URLs per page of the section: each page is one small query and a
    #: short render, however large the archive (the index lists the pages).
    limit = 1000

    def items(self):
        return (
            Article.objects.published()
            .order_by("pk")
            .only("slug", "published_at", "revised_at")
        )

    def lastmod(self, item):
        return item.last_updated

    def get_latest_lastmod(self):
        """For the index: one aggregate, not a pass over every article."""
        latest = Article.objects.published().aggregate(
            revised=Max("revised_at"), published=Max("published_at")
        )
        return max(filter(None, latest.values()), default=None)


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
