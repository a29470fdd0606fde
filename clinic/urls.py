from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from articles import views as article_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", article_views.healthz, name="healthz"),
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
    path("", include("articles.urls")),
]
