from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.flatpages.sitemaps import FlatPageSitemap
from django.contrib.flatpages.views import flatpage
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path, re_path

from articles.feeds import LatestArticlesAtomFeed, LatestArticlesFeed
from articles.sitemaps import SITEMAPS
from clinic import views as clinic_views
from clinic.pagecache import public_page

page = public_page(flatpage)
SITEMAP_SECTIONS = {**SITEMAPS, "pages": FlatPageSitemap}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", clinic_views.healthz, name="healthz"),
    path("readyz", clinic_views.readyz, name="readyz"),
    path("feeds/rss/", public_page(LatestArticlesFeed()), name="feed-rss"),
    path("feeds/atom/", public_page(LatestArticlesAtomFeed()), name="feed-atom"),
    # An index of sections, each paged, so no response grows with the site.
    path(
        "sitemap.xml",
        public_page(sitemaps.index),
        {"sitemaps": SITEMAP_SECTIONS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemaps.sitemap),
        {"sitemaps": SITEMAP_SECTIONS},
        name="sitemap-section",
    ),
    path("robots.txt", clinic_views.robots_txt, name="robots"),
    # The standard pages, written by editors (django.contrib.flatpages).
    *[
        path(f"{name}/", page, {"url": f"/{name}/"}, name=name)
        for name in ("privacy", "disclaimer", "contact", "about")
    ],
    path("", include("articles.hub.urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
    # Any other page an editor adds.
    re_path(r"^(?P<url>.*/)$", page, name="page"),
]

handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"

if settings.DEBUG:
    # Uploaded images in development; production serves them from the web
    # server or the media store.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
