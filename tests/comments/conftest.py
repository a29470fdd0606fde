import pytest

from comments.forms import form_token
from tests.factories import ArticleFactory


@pytest.fixture(autouse=True)
def _no_form_wait(settings):
    settings.CLINIC_COMMENT_MIN_SECONDS = 0


@pytest.fixture
def article(db):
    return ArticleFactory(published=True, title="Living with sciatica")


@pytest.fixture
def post(client, article):
    """Post the comment form as a browser would; return the response."""

    def send(follow=False, ip="203.0.113.7", target=None, headers=None, **fields):
        target = target or article
        data = {
            "body": "Walking helped me more than rest.",
            "author_name": "Maya",
            "author_email": "maya@mail.example",
            "author_url": "",
            "token": form_token(target.pk),
            "homepage": "",
        }
        data.update(fields)
        return client.post(
            f"/articles/{target.slug}/comments/",
            data,
            follow=follow,
            REMOTE_ADDR=ip,
            headers={"User-Agent": "TestBrowser/1.0", **(headers or {})},
        )

    return send


@pytest.fixture
def known_author(article):
    """Maya has an approved comment from an hour ago."""
    from django.utils import timezone

    from tests.factories import CommentFactory

    comment = CommentFactory(article=article, author_email="maya@mail.example")
    type(comment).objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    return comment
