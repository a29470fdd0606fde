from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.post_comment, name="post"),
    path("comments/<int:pk>/", views.permalink, name="permalink"),
    path("comments/<int:pk>/report/", views.flag, name="flag"),
    path("comments/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("privacy/your-data/", views.privacy_request, name="privacy-request"),
    path(
        "privacy/your-data/confirm/<str:token>/",
        views.privacy_confirm,
        name="privacy-confirm",
    ),
]
