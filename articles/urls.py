from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("categories/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared-preview"),
    path("editor/upload-image/", views.upload_image, name="upload-image"),
]
