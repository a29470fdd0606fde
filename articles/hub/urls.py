from django.urls import path

from clinic.pagecache import public_page

from . import views

app_name = "hub"

urlpatterns = [
    path("hub/", public_page(views.HubView.as_view(), scope=views.hub), name="index"),
    path("webmention/", views.webmention, name="webmention"),
]
