from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.public(views.HomeView), name="home"),
    path("articles/", views.public(views.ArticleListView), name="list"),
    path(
        "articles/<slug:slug>/",
        views.public(views.ArticleDetailView),
        name="detail",
    ),
    path(
        "articles/<slug:slug>/linked-from/",
        views.public(views.LinkedFromView),
        name="linked-from",
    ),
    path("categories/<slug:slug>/", views.public(views.CategoryView), name="category"),
    path("tags/<slug:slug>/", views.public(views.TagView), name="tag"),
    path("authors/<slug:slug>/", views.public(views.AuthorView), name="author"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared-preview"),
    path("editor/upload-image/", views.upload_image, name="upload-image"),
]
