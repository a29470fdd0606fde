from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from articles.feeds import LatestArticlesAtomFeed, LatestArticlesFeed
from articles.sitemaps import SITEMAPS
from clinic import views as clinic_views
from clinic.pagecache import public_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", clinic_views.healthz, name="healthz"),
    path("readyz", clinic_views.readyz, name="readyz"),
    path("feeds/rss/", public_page(LatestArticlesFeed()), name="feed-rss"),
    path("feeds/atom/", public_page(LatestArticlesAtomFeed()), name="feed-atom"),
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("robots.txt", clinic_views.robots_txt, name="robots"),
    path(
        "privacy/",
        TemplateView.as_view(template_name="privacy.html"),
        name="privacy",
    ),
    path(
        "disclaimer/",
        TemplateView.as_view(template_name="disclaimer.html"),
        name="disclaimer",
    ),
    path("", include("articles.hub.urls")),
    path("", include("comments.urls")),
    path("", include("articles.urls")),
]

handler500 = "clinic.views.server_error"

if settings.DEBUG:
    # Uploaded images in development; production serves them from the web
    # server or the media store.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
