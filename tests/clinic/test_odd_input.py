"""
Odd input in every place a stranger controls gets an answer, never a server
error: NUL (which PostgreSQL refuses in text and SQLite stores), digits that
are not ASCII, and values longer than their columns. Runs on both databases.
"""

import pytest

from comments.forms import form_token
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

ODD = ["a\x00b", "²", "٣", "9" * 30, "x" * 3000, "%00", "-1", " "]


@pytest.fixture
def article(settings):
    settings.CLINIC_COMMENT_MIN_SECONDS = 0
    article = ArticleFactory(published=True, slug="kyphoplasty")
    CommentFactory(article=article)
    return article


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/", "p"),
        ("/articles/", "page"),
        ("/search/", "q"),
        ("/search/", "page"),
        ("/hub/", "page"),
        ("/articles/kyphoplasty/", "comments"),
        ("/articles/kyphoplasty/", "replyto"),
        ("/articles/kyphoplasty/", "awaiting"),
    ],
)
def test_query_parameters(client, article, path, param, value):
    response = client.get(path, {param: value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    "field",
    ["body", "author_name", "author_email", "author_url", "parent", "token"],
)
def test_comment_form_fields(client, article, field, value):
    data = {
        "body": "Walking helped me more than rest.",
        "author_name": "Maya",
        "author_email": "maya@mail.example",
        "token": form_token(article.pk),
        field: value,
    }
    response = client.post("/articles/kyphoplasty/comments/", data)
    assert response.status_code < 500


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize("field", ["source", "target"])
def test_webmention_fields(client, article, field, value):
    data = {
        "source": "https://elsewhere.example/post",
        "target": "http://testserver/articles/kyphoplasty/",
        field: value,
    }
    response = client.post("/webmention/", data)
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["a\x00b", "x" * 3000, "²"])
def test_reader_cookie_on_a_report(client, article, value):
    comment = article.comments.get()
    client.cookies["reader"] = value
    response = client.post(
        f"/comments/{comment.pk}/report/", headers={"Origin": "http://testserver"}
    )
    assert response.status_code == 302
