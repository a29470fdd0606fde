"""Stored URLs are http(s), or a page of this site: never a script."""

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Reference, SiteConfiguration
from articles.models.content import clean_reference
from articles.richtext import sanitize_html
from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = [pytest.mark.security, pytest.mark.django_db]

SCRIPTS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]


@pytest.mark.parametrize("url", SCRIPTS)
def test_a_comment_website_is_never_a_script(url, refusal):
    comment = CommentFactory(author_url=url, body="Imported words.")
    comment.refresh_from_db()
    assert comment.author_url == ""
    page = Client().get(comment.article.get_absolute_url())
    assertContains(page, "Imported words.")
    assertNotContains(page, "script:alert")
    refusal("unsafe URLs refused")


def test_the_database_refuses_a_script_website():
    from django.db import IntegrityError, transaction

    comment = CommentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(author_url="javascript:x")


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("/contact/", True),
        ("https://booking.example/clinic", True),
        ("javascript:alert(1)", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("data:text/html,x", False),
    ],
)
def test_the_call_to_action_accepts_pages_and_web_addresses_only(
    client, editor, url, accepted, refusal
):
    client.force_login(editor)
    config = SiteConfiguration.load()
    response = client.post(
        f"/admin/articles/siteconfiguration/{config.pk}/change/",
        {
            "cta_heading": config.cta_heading,
            "cta_text": config.cta_text,
            "cta_button": config.cta_button,
            "cta_url": url,
            "overdue_review": config.overdue_review,
            "target_grade": config.target_grade,
        },
    )
    config.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        assert config.cta_url == url
    else:
        assert response.status_code == 200
        assertContains(response, "Enter a page of this site")
        assert config.cta_url == "/contact/"
        refusal("unsafe URLs refused")


@pytest.mark.parametrize("url", SCRIPTS)
def test_a_reference_link_is_never_a_script(url):
    assert clean_reference({"citation": "A trial.", "url": url})["url"] == ""
    reference = Reference(article=ArticleFactory(), citation="A trial.", url=url)
    with pytest.raises(Exception, match="https://"):
        reference.full_clean()


@pytest.mark.parametrize(
    "body",
    [
        '<a href="da&#x09;ta:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
        '<a href="java&#x0A;script:alert(1)">x</a>',
        '<a href="&#x01;javascript:alert(1)">x</a>',
        '<img src="da&#x09;ta:text/html,x" alt="">',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="">',
        '<blockquote cite="javascript:alert(1)">q</blockquote>',
    ],
)
def test_the_sanitizer_reads_addresses_as_a_browser_does(body, refusal):
    clean = sanitize_html(body)
    assert "script" not in clean.replace("&lt;script&gt;", "")
    assert "data:text" not in clean
    assert "svg" not in clean
    refusal("unsafe URLs refused")
