import io

import pytest
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import IntegrityError
from pytest_django.asserts import assertContains, assertNotContains

from articles.hub.models import Link
from articles.hub.services.links import sync_article_links, sync_links
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def links_of(article):
    return sorted(
        (
            link.target_article.slug if link.target_article else link.url,
            link.anchor_text,
            link.is_internal,
        )
        for link in article.outbound_links.select_related("target_article")
    )


def test_links_are_extracted_and_classified():
    Site.objects.filter(pk=1).update(domain="clinic.example")
    ArticleFactory(slug="osteoporosis", published=True)
    source = ArticleFactory(
        body=(
            '<p><a href="/articles/osteoporosis/">bone loss</a> '
            '<a href="https://clinic.example/articles/osteoporosis/#risks">risks</a> '
            '<a href="/articles/nowhere/">missing</a> '
            '<a href="https://journal.example/study">a study</a> '
            '<a href="/disclaimer/">disclaimer</a> '
            '<a href="/no/such/page/">dead page</a> '
            '<a href="mailto:x@clinic.example">mail</a> '
            '<a href="#top">top</a></p>'
        )
    )
    sync_article_links(article=source)
    assert links_of(source) == [
        ("/articles/nowhere/", "missing", True),
        ("/no/such/page/", "dead page", True),
        ("https://journal.example/study", "a study", False),
        ("osteoporosis", "bone loss", True),
        ("osteoporosis", "risks", True),
    ]


def test_links_through_a_redirect_reach_the_renamed_article():
    ArticleFactory(slug="new-name", published=True)
    Redirect.objects.create(
        site_id=1, old_path="/articles/old-name/", new_path="/articles/new-name/"
    )
    source = ArticleFactory(body='<a href="/articles/old-name/">renamed</a>')
    sync_article_links(article=source)
    assert links_of(source) == [("new-name", "renamed", True)]


def test_resync_keeps_unchanged_links_and_diffs_the_rest():
    target = ArticleFactory(slug="target", published=True)
    source = ArticleFactory(
        body='<a href="/articles/target/">keep</a><a href="https://a.example">go</a>'
    )
    sync_article_links(article=source)
    kept = source.outbound_links.get(target_article=target)
    source.body = (
        '<a href="/articles/target/">keep</a><a href="https://b.example">new</a>'
    )
    source.save()
    assert sync_article_links(article=source) == (1, 1)
    assert source.outbound_links.get(target_article=target).pk == kept.pk
    assert sync_article_links(article=source) == (0, 0)


def test_database_requires_exactly_one_target():
    source = ArticleFactory()
    with pytest.raises(IntegrityError):
        Link.objects.create(source=source, target_article=source, url="/x/")


def test_linked_from_shows_published_sources_only(client):
    target = ArticleFactory(slug="target", published=True)
    for title, published in (("Visible source", True), ("Hidden draft source", False)):
        source = ArticleFactory(
            title=title,
            published=published,
            body='<p><a href="/articles/target/">see</a></p>',
        )
        sync_article_links(article=source)
    response = client.get(target.get_absolute_url())
    assertContains(response, "Linked from")
    assertContains(response, "Visible source")
    assertNotContains(response, "Hidden draft source")


def test_past_the_counting_limit_the_article_page_says_more_than(
    client, settings, monkeypatch
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_FRAGMENT_CACHE_SECONDS = 0
    monkeypatch.setattr("articles.views.LINKED_FROM_COUNTED", 30)
    target = ArticleFactory(slug="target", published=True)
    linking = ArticleFactory.create_batch(
        31, published=True, body='<p><a href="/articles/target/">see</a></p>'
    )
    sync_links(linking)
    page = client.get(target.get_absolute_url())
    assertContains(page, "See them all: more than 30 articles link here")
    assertNotContains(page, "more articles link here")
    # Exactly at the limit the page still counts.
    linking[0].delete()
    page = client.get(target.get_absolute_url())
    assertContains(page, "And 10 more articles link here")
    assertNotContains(page, "See them all")


@pytest.mark.parametrize("sources", [25, 60])
def test_a_much_linked_article_lists_twenty_and_links_to_the_rest(
    client, settings, sources, django_assert_max_num_queries
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_FRAGMENT_CACHE_SECONDS = 0
    target = ArticleFactory(slug="target", published=True)
    linking = ArticleFactory.create_batch(
        sources, published=True, body='<p><a href="/articles/target/">see</a></p>'
    )
    sync_links(linking)
    # The same queries for 25 and 60 linking articles.
    with django_assert_max_num_queries(19):
        page = client.get(target.get_absolute_url())
    html = page.content.decode()
    section = html[
        html.index("Linked from") : html.index("</section>", html.index("Linked from"))
    ]
    assert section.count("<li>") == 20
    assertContains(page, f"And {sources - 20} more articles link here")
    full = client.get("/articles/target/linked-from/")
    assert full.context["paginator"].count == sources
    assert {a.pk for a in full.context["articles"]} <= {a.pk for a in linking}
    last = client.get(
        f"/articles/target/linked-from/?page={full.context['paginator'].num_pages}"
    )
    assert last.status_code == 200


def test_broken_internal_links_are_found():
    draft = ArticleFactory(slug="draft-target")
    source = ArticleFactory(
        published=True,
        body='<a href="/articles/draft-target/">d</a><a href="/articles/gone/">g</a>',
    )
    sync_article_links(article=source)
    broken = Link.objects.broken_internal()
    assert {(link.target_article_id, link.url) for link in broken} == {
        (draft.pk, ""),
        (None, "/articles/gone/"),
    }


def test_admin_save_updates_the_graph(editor_client):
    from tests.helpers import form_data

    target = ArticleFactory(slug="target", published=True)
    source = ArticleFactory()
    editor_client.post(
        f"/admin/articles/article/{source.pk}/change/",
        form_data(source, body='<p><a href="/articles/target/">t</a></p>'),
    )
    assert source.outbound_links.get().target_article == target


def test_rebuild_links_covers_every_article(capsys):
    ArticleFactory(slug="a", published=True)
    ArticleFactory.create_batch(3, body='<a href="/articles/a/">a</a>')
    call_command("rebuild_links")
    assert Link.objects.filter(target_article__slug="a").count() == 3
    assert "3 added, 0 removed" in capsys.readouterr().out
    call_command("rebuild_links")
    assert "0 added, 0 removed" in capsys.readouterr().out


@pytest.mark.parametrize("sources", [3, 40])
def test_rebuild_links_reads_articles_by_batches(
    sources, django_assert_max_num_queries
):
    ArticleFactory(slug="a", published=True)
    ArticleFactory.create_batch(
        sources,
        body='<p><a href="/articles/a/">a</a> <a href="/old/">old</a> '
        '<a href="https://nhs.example/x">out</a></p>',
    )
    Link.objects.all().delete()
    # Per article this was four queries and more; now a few per 500.
    with django_assert_max_num_queries(10):
        call_command("rebuild_links", stdout=io.StringIO())
    assert Link.objects.filter(target_article__slug="a").count() == sources
    assert Link.objects.filter(url="/old/").count() == sources
