import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.contrib.sites.models import Site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from articles import services
from articles.models import Article, SiteConfiguration
from clinic.pagecache import generation
from comments.models import DiscussionSettings
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ImageFactory,
    PersonFactory,
    ReferenceFactory,
    TagFactory,
)
from tests.helpers import sitemap_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    """A published article, and one of each state readers must not see."""
    return {
        "published": ArticleFactory(published=True, title="Visible guidance"),
        "draft": ArticleFactory(title="Draft musings"),
        "review": ArticleFactory(in_review=True, title="Pending text"),
        "future": ArticleFactory(
            published=True,
            title="Tomorrow news",
            published_at=timezone.now() + timedelta(days=1),
        ),
        "archived": ArticleFactory(archived=True, title="Withdrawn page"),
    }


HIDDEN = ("Draft musings", "Pending text", "Tomorrow news", "Withdrawn page")


@pytest.mark.parametrize("path", ["/", "/articles/", "/feeds/rss/", "/feeds/atom/"])
def test_lists_show_only_published_articles(client, articles, path):
    response = client.get(path)
    assertContains(response, "Visible guidance")
    for title in HIDDEN:
        assertNotContains(response, title)


def test_category_tag_and_author_pages_list_only_published(client, articles):
    published = articles["published"]
    tag = TagFactory()
    author = PersonFactory(name="Dr. Lina Patel", credentials="MD, neurologist")
    for article in articles.values():
        article.tags.add(tag)
        Article.objects.filter(pk=article.pk).update(
            author=author, category=published.category
        )
    for path in (
        published.category.get_absolute_url(),
        tag.get_absolute_url(),
        author.get_absolute_url(),
    ):
        response = client.get(path)
        assertContains(response, "Visible guidance")
        for title in HIDDEN:
            assertNotContains(response, title)
    assertContains(client.get(author.get_absolute_url()), "MD, neurologist")


def test_category_page_includes_subcategories(client):
    parent = CategoryFactory(name="Spine")
    child = CategoryFactory(name="Fractures", parent=parent)
    ArticleFactory(published=True, category=child, title="Cracked vertebra")
    response = client.get(parent.get_absolute_url())
    assertContains(response, "Cracked vertebra")
    assertContains(response, child.get_absolute_url())


@pytest.mark.parametrize("state", ["draft", "review", "future"])
def test_unpublished_detail_is_404(client, articles, state):
    assert client.get(articles[state].get_absolute_url()).status_code == 404


def test_archived_detail_is_410(client, articles):
    response = client.get(articles["archived"].get_absolute_url())
    assert response.status_code == 410
    assertContains(response, "withdrawn", status_code=410)


def test_list_is_paginated(client):
    ArticleFactory.create_batch(14, published=True)
    first = client.get("/articles/")
    assert len(first.context["articles"]) == 12
    assertContains(first, 'href="?page=2"')
    second = client.get("/articles/?page=2")
    assert len(second.context["articles"]) == 2


@pytest.fixture
def rich_article():
    reviewer = PersonFactory(name="Dr. Rafael Reyes", credentials="MD, spine surgeon")
    article = ArticleFactory(
        title="Kyphoplasty explained",
        seo_title="Kyphoplasty: what to expect",
        meta_description="A short guide to kyphoplasty.",
        body=(
            "<p>Intro.</p><h2>What it is</h2><p>Balloon and cement.</p>"
            "<h3>Versus vertebroplasty</h3><p>No balloon.</p>"
            "<h2>What it is</h2><p>A second heading with the same words.</p>"
        ),
        featured_image=ImageFactory(),
        featured_image_alt="A model of a vertebra",
        author=PersonFactory(name="Elena Marsh", credentials="Health writer"),
    )
    ReferenceFactory(article=article, doi="10.1000/xyz", pmid="19246088")
    services.record_sign_off(article=article, reviewer=reviewer)
    services.record_publication(article=article, at=timezone.now() - timedelta(days=1))
    return article


def test_article_page_has_everything_a_reader_needs(client, rich_article):
    response = client.get(rich_article.get_absolute_url())
    assertTemplateUsed(response, "articles/article_detail.html")
    html = response.content.decode()
    assert html.count("<h1") == 1
    title = re.search(r"<title>\s*(.*?)\s*</title>", html, re.S).group(1)
    assert title.startswith("Kyphoplasty: what to expect ·")
    assertContains(response, 'content="A short guide to kyphoplasty."')
    assertContains(response, '<h2 id="what-it-is">What it is</h2>', html=True)
    assertContains(response, '<h3 id="versus-vertebroplasty">', html=False)
    assertContains(response, '<h2 id="what-it-is-2">', html=False)
    assertContains(response, 'href="#versus-vertebroplasty"')
    assertContains(response, "1 minute read")
    assertContains(
        response, "Medically reviewed by Dr. Rafael Reyes, MD, spine surgeon"
    )
    assertContains(response, "Next review due")
    assertContains(response, 'href="https://doi.org/10.1000/xyz"')
    assertContains(response, 'href="https://pubmed.ncbi.nlm.nih.gov/19246088/"')
    assertContains(response, "Speak with a spine specialist")
    assertContains(response, "not a substitute for")
    assert re.search(r'<img src="/media/CACHE/[^"]+" srcset="[^"]+ 480w', html)
    assertContains(response, 'type="image/webp"')
    assertContains(response, 'width="1200" height="800"')
    assertContains(response, 'alt="A model of a vertebra"')


def test_article_head_has_canonical_open_graph_and_json_ld(client, rich_article):
    response = client.get(rich_article.get_absolute_url() + "?utm_source=x")
    html = response.content.decode()
    url = f"http://testserver{rich_article.get_absolute_url()}"
    assert f'<link rel="canonical"\n          href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Kyphoplasty: what to expect">' in html
    assert 'property="og:image"' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == "Kyphoplasty explained"
    assert data["reviewedBy"]["name"] == "Dr. Rafael Reyes"
    assert data["reviewedBy"]["jobTitle"] == "MD, spine surgeon"
    assert data["author"]["name"] == "Elena Marsh"
    assert data["lastReviewed"] == rich_article.last_reviewed.isoformat()
    for key in ("description", "datePublished", "dateModified", "about", "image"):
        assert data[key], key


def test_json_ld_cannot_close_its_script_element(client):
    ArticleFactory(published=True, slug="x", title="</script><script>alert(1)</script>")
    html = client.get("/articles/x/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(block.group(1))["name"].startswith("</script>")
    assert "<script>alert(1)" not in html


def test_related_articles_share_category_or_tag(client):
    tag = TagFactory()
    article = ArticleFactory(published=True, title="Main piece")
    article.tags.add(tag)
    ArticleFactory(published=True, category=article.category, title="Same shelf")
    tagged = ArticleFactory(published=True, title="Same topic tag")
    tagged.tags.add(tag)
    ArticleFactory(published=True, title="Unrelated matter")
    ArticleFactory(category=article.category, title="Draft sibling")
    response = client.get(article.get_absolute_url())
    related = [a.title for a in response.context["related"]]
    assert sorted(related) == ["Same shelf", "Same topic tag"]


def test_related_articles_are_the_newest_of_both_kinds(client):
    tag = TagFactory()
    article = ArticleFactory(published=True, title="Main piece")
    article.tags.add(tag)
    now = timezone.now()
    for days, kind in [(1, "tag"), (2, "shelf"), (3, "shelf"), (4, "tag"), (5, "tag")]:
        shelf = {"category": article.category} if kind == "shelf" else {}
        other = ArticleFactory(
            published=True,
            title=f"{kind} {days}",
            published_at=now - timedelta(days=days),
            **shelf,
        )
        if kind == "tag":
            other.tags.add(tag)
    # Newer than all, unpublished or gone: never shown.
    ArticleFactory(category=article.category, title="Draft sibling")
    response = client.get(article.get_absolute_url())
    assert [a.title for a in response.context["related"]] == [
        "tag 1",
        "shelf 2",
        "shelf 3",
    ]


def test_the_site_configuration_is_read_once_until_it_changes(
    client, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_FRAGMENT_CACHE_SECONDS = 0
    article = ArticleFactory(published=True)
    client.get(article.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    read = [q for q in queries if "articles_siteconfiguration" in q["sql"]]
    assert read == []
    config = SiteConfiguration.load()
    config.cta_heading = "Ask our back pain team"
    with django_capture_on_commit_callbacks(execute=True):
        config.save()
    assertContains(client.get(article.get_absolute_url()), "Ask our back pain team")


def test_discussion_settings_saved_show_on_the_next_page(
    client, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    settings.CLINIC_FRAGMENT_CACHE_SECONDS = 0
    article = ArticleFactory(
        published=True, published_at=timezone.now() - timedelta(days=3)
    )
    assertContains(client.get(article.get_absolute_url()), "Leave a Comment")
    config = DiscussionSettings.load()
    config.close_after_days = 1
    with django_capture_on_commit_callbacks(execute=True):
        config.save()
    page = client.get(article.get_absolute_url())
    assertContains(page, "Comments on this article are closed.")


def test_settings_made_on_first_use_leave_cached_pages_alone(
    django_capture_on_commit_callbacks,
):
    before = generation()
    with django_capture_on_commit_callbacks(execute=True):
        SiteConfiguration.load()
        DiscussionSettings.load()
    assert generation() == before


@pytest.mark.parametrize("count", [1, 25])
def test_article_page_query_count_is_constant(client, django_assert_num_queries, count):
    tags = TagFactory.create_batch(count)
    article = ArticleFactory(
        published=True, featured_image=ImageFactory(), featured_image_is_decorative=True
    )
    article.tags.set(tags)
    ReferenceFactory.create_batch(count, article=article)
    for _ in range(count):
        other = ArticleFactory(published=True, category=article.category)
        other.tags.set(tags[:1])
    SiteConfiguration.load()
    DiscussionSettings.load()
    # The article with what its page shows, the discussion settings; then,
    # kept as fragments: tags, site configuration, references, related
    # (three cards with their comment counts), "linked from", "mentioned
    # on", comment counts, the page's threads, their replies. Both settings
    # are read once a content generation.
    with django_assert_num_queries(11):
        response = client.get(article.get_absolute_url())
    assert len(response.context["related"]) == min(count, 3)


def test_a_reader_the_page_cache_skips_gets_the_shared_parts_from_fragments(
    client, editor, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from comments.services import moderate_comments
    from tests.factories import CommentFactory

    article = ArticleFactory(published=True, title="Fragment piece")
    CommentFactory.create_batch(3, article=article)
    SiteConfiguration.load()
    DiscussionSettings.load()
    client.force_login(editor)  # A session: the whole-page cache is skipped.
    assert client.get(article.get_absolute_url()).status_code == 200
    # The article's head fields (the discussion settings are cached too):
    # its text, its data for search engines, the threads and the lists
    # around it come from fragments.
    with django_assert_num_queries(1):
        response = client.get(article.get_absolute_url())
    assert response.content.decode().count('class="comment__card"') == 3
    pending = CommentFactory(
        article=article, status="pending", body="Newly approved words"
    )
    with django_capture_on_commit_callbacks(execute=True):
        moderate_comments([pending], status="approved", moderator=editor)
    assertContains(client.get(article.get_absolute_url()), "Newly approved words")


def test_previews_never_use_fragments(editor_client):
    article = ArticleFactory(title="Draft preview")
    response = editor_client.get(f"/preview/{article.pk}/")
    assert response.context["fragment_cache"] == "off"


@pytest.mark.parametrize("count", [3, 30])
def test_list_pages_query_count_is_constant(client, django_assert_num_queries, count):
    category = CategoryFactory()
    tag = TagFactory()
    author = PersonFactory()
    for _ in range(count):
        article = ArticleFactory(
            published=True,
            category=category,
            author=author,
            featured_image=ImageFactory(),
        )
        article.tags.add(tag)
    # A list counts, reads the page's keys, then the cards of those keys.
    for path, queries in [
        ("/", 3),
        ("/articles/", 3),
        (category.get_absolute_url(), 5),
        (tag.get_absolute_url(), 4),
        (author.get_absolute_url(), 4),
    ]:
        with django_assert_num_queries(queries):
            assert client.get(path).status_code == 200


def test_a_deep_list_page_shows_the_next_articles_in_order(client):
    articles = ArticleFactory.create_batch(30, published=True)
    newest_first = sorted(articles, key=lambda a: a.published_at, reverse=True)
    shown = []
    for page in (1, 2, 3):
        response = client.get("/articles/", {"page": page})
        shown += [article.pk for article in response.context["articles"]]
    assert shown == [article.pk for article in newest_first]


def test_feeds_are_valid_and_list_the_article(client, rich_article):
    for path in ("/feeds/rss/", "/feeds/atom/"):
        feed = feedparser.parse(client.get(path).content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.entries[0].title == "Kyphoplasty explained"
        assert feed.entries[0].link.endswith(rich_article.get_absolute_url())


def test_sitemap_lists_published_articles_and_categories(client, articles):
    Site.objects.filter(pk=1).update(domain="clinic.example")
    Site.objects.clear_cache()
    xml = sitemap_text(client)
    published = articles["published"]
    assert f"://clinic.example{published.get_absolute_url()}" in xml
    assert f"://clinic.example{published.category.get_absolute_url()}" in xml
    assert "<lastmod>" in xml
    for state in ("draft", "review", "future", "archived"):
        assert articles[state].get_absolute_url() not in xml


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_the_sitemap_is_an_index_of_pages_that_stay_small(
    client, monkeypatch, django_assert_max_num_queries
):
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    published = ArticleFactory.create_batch(5, published=True)
    index = client.get("/sitemap.xml").content.decode()
    assert "<sitemapindex" in index
    assert "/sitemap-articles.xml</loc>" in index
    assert "/sitemap-articles.xml?p=2</loc>" in index
    assert "/sitemap-articles.xml?p=3</loc>" in index
    with django_assert_max_num_queries(3):
        last = client.get("/sitemap-articles.xml?p=3").content.decode()
    assert last.count("<url>") == 1
    xml = sitemap_text(client)
    for article in published:
        assert xml.count(f"{article.get_absolute_url()}</loc>") == 1
