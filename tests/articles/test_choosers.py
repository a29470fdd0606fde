"""The editor's choosers, and the renditions readers get of body pictures."""

import pytest
from django.core.files.base import ContentFile

from articles.models import Article
from articles.models.media import with_renditions
from tests.factories import ArticleFactory, ImageFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

IMAGES = "/admin/articles/article/choose/images/"
ARTICLES = "/admin/articles/article/choose/articles/"


def test_the_image_chooser_searches_the_library(editor_client):
    ImageFactory(title="Lumbar spine X-ray")
    ImageFactory(title="Knee brace")
    found = editor_client.get(IMAGES, {"q": "spine"}).json()["results"]
    assert [item["title"] for item in found] == ["Lumbar spine X-ray"]
    assert found[0]["url"].startswith("/media/images/")
    assert found[0]["thumbnail"]
    assert len(editor_client.get(IMAGES).json()["results"]) == 2


def test_the_article_chooser_offers_published_articles_only(editor_client):
    ArticleFactory(published=True, title="Osteoporosis basics", slug="osteo")
    ArticleFactory(title="Osteoporosis draft")
    found = editor_client.get(ARTICLES, {"q": "osteo"}).json()["results"]
    assert found == [{"title": "Osteoporosis basics", "url": "/articles/osteo/"}]


def test_the_choosers_are_for_people_who_may_see_them(moderator_client):
    from django.test import Client

    client = Client()
    assert client.get(IMAGES).status_code == 302  # To the login page.
    assert moderator_client.get(IMAGES).status_code == 403
    # Moderators may see articles, so they may list them.
    assert moderator_client.get(ARTICLES).status_code == 200
    nobody = UserFactory(username="staff-without-role")
    client.force_login(nobody)
    assert client.get(ARTICLES).status_code == 403


def test_the_choosers_read_one_query_however_many_match(
    editor_client, django_assert_max_num_queries
):
    ImageFactory.create_batch(30)
    ArticleFactory.create_batch(30, published=True)
    # The session, the user and their permissions (two), then one query
    # for the list.
    with django_assert_max_num_queries(5):
        assert len(editor_client.get(IMAGES).json()["results"]) == 24
    with django_assert_max_num_queries(5):
        assert len(editor_client.get(ARTICLES).json()["results"]) == 24


def test_body_pictures_from_the_library_get_renditions():
    photo = ImageFactory(
        file=ContentFile(image_bytes("JPEG", size=(4032, 3024)), name="big.jpg")
    )
    article = ArticleFactory(
        body=(
            f'<figure class="image"><img src="{photo.file.url}" alt="A spine model">'
            "</figure>"
            '<figure class="image"><img src="https://elsewhere.example/x.jpg" alt="">'
            "</figure>"
        )
    )
    html = article.body_html
    assert html.count("<picture>") == 1
    assert f'srcset="{photo.srcset_webp}"' in html
    assert f'srcset="{photo.srcset_jpeg}"' in html
    assert f'src="{photo.renditions("jpeg")[1][0]}"' in html
    assert 'width="4032" height="3024"' in html
    assert 'alt="A spine model"' in html
    assert 'loading="lazy"' in html
    # The original never goes out; an outside picture is left as it was.
    assert f'src="{photo.file.url}"' not in html
    assert '<img src="https://elsewhere.example/x.jpg" alt="">' in html
    # The stored body keeps the plain picture for the editor.
    assert f'<img src="{photo.file.url}" alt="A spine model">' in article.body


def test_a_body_without_library_pictures_is_left_alone(django_assert_num_queries):
    html = '<p>No pictures.</p><img src="/media/images/gone.jpg" alt="">'
    with django_assert_num_queries(0):
        assert with_renditions("<p>No pictures.</p>") == "<p>No pictures.</p>"
    with django_assert_num_queries(1):
        assert with_renditions(html) == html
    assert Article.objects.count() == 0


def test_refresh_bodies_gives_older_articles_their_renditions(capsys):
    from django.core.management import call_command

    photo = ImageFactory(
        file=ContentFile(image_bytes("JPEG", size=(2000, 1000)), name="old.jpg")
    )
    plain = f'<p><img src="{photo.file.url}" alt="Old picture"></p>'
    article = ArticleFactory(published=True, body=plain)
    signed = article.review_fingerprint
    # As stored before bodies were drawn with renditions.
    Article.objects.filter(pk=article.pk).update(body_html=plain)
    untouched = ArticleFactory(body="<p>Words only.</p>")

    call_command("refresh_bodies")
    assert "1 article body drawn again." in capsys.readouterr().out
    article.refresh_from_db()
    assert "<picture>" in article.body_html
    assert article.body == plain
    assert article.review_fingerprint == signed
    assert article.has_current_sign_off
    call_command("refresh_bodies")
    assert "0 article bodies drawn again." in capsys.readouterr().out
    untouched.refresh_from_db()
    assert untouched.body_html == "<p>Words only.</p>"


def test_the_same_picture_twice_gets_renditions_twice_and_other_hosts_none():
    photo = ImageFactory()
    twice = f'<p><img src="{photo.file.url}" alt="x"></p>' * 2
    assert with_renditions(twice).count("<picture>") == 2
    elsewhere = f'<p><img src="https://elsewhere.example{photo.file.url}" alt="x"></p>'
    assert with_renditions(elsewhere) == elsewhere


def test_refresh_bodies_never_overwrites_a_body_published_meanwhile(monkeypatch):
    from django.core.management import call_command

    from articles.management.commands import refresh_bodies

    photo = ImageFactory()
    article = ArticleFactory(body=f'<p><img src="{photo.file.url}" alt=""></p>')
    Article.objects.filter(pk=article.pk).update(body_html="stale")
    drawn = refresh_bodies.with_renditions

    def publish_meanwhile(html):
        Article.objects.filter(pk=article.pk).update(
            body="<p>New words.</p>", body_html="<p>New words.</p>"
        )
        return drawn(html)

    monkeypatch.setattr(refresh_bodies, "with_renditions", publish_meanwhile)
    call_command("refresh_bodies")
    article.refresh_from_db()
    assert article.body_html == "<p>New words.</p>"
