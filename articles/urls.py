from django.urls import path

from . import views

app_name = "articles"
#: Pages that show articles' comment counts: a comment changes them all.
lists = views.article_list

urlpatterns = [
    path("", views.public(views.HomeView, lists), name="home"),
    path("articles/", views.public(views.ArticleListView, lists), name="list"),
    path(
        "articles/<slug:slug>/",
        views.public(views.ArticleDetailView, views.article_page),
        name="detail",
    ),
    path(
        "articles/<slug:slug>/linked-from/",
        views.public(views.LinkedFromView, lists),
        name="linked-from",
    ),
    path(
        "categories/<slug:slug>/",
        views.public(views.CategoryView, lists),
        name="category",
    ),
    path("tags/<slug:slug>/", views.public(views.TagView, lists), name="tag"),
    path("authors/<slug:slug>/", views.public(views.AuthorView, lists), name="author"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared-preview"),
    path("editor/upload-image/", views.upload_image, name="upload-image"),
]
