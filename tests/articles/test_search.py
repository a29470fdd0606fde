import pytest
from django.db import connection
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    ArticleFactory(
        published=True,
        title="Balloon kyphoplasty",
        summary="Fixing a collapsed vertebra.",
        body="<p>Cement is placed after a balloon opens the space.</p>",
    )
    ArticleFactory(
        published=True,
        title="Bone health",
        summary="Why kyphoplasty is sometimes needed.",
        body=(
            "<p>Calcium &amp; vitamin D &lt;matter&gt;.</p>"
            "<p>Osteoblasts rebuild bone.</p>"
        ),
    )
    ArticleFactory(
        published=True,
        title="Walking plans",
        summary="Daily steps.",
        body="<p>After kyphoplasty most people walk the same day.</p>",
    )
    ArticleFactory(title="Kyphoplasty draft", body="<p>kyphoplasty secret</p>")


def titles(response):
    return [article.title for article in response.context["results"]]


def test_title_outranks_summary_outranks_body(client, library):
    response = client.get("/search/", {"q": "kyphoplasty"})
    assert titles(response) == ["Balloon kyphoplasty", "Bone health", "Walking plans"]


def test_finds_a_word_only_in_the_body_with_a_highlighted_snippet(client, library):
    response = client.get("/search/", {"q": "osteoblasts"})
    assert titles(response) == ["Bone health"]
    assertContains(response, "<mark>Osteoblasts</mark>")


def test_snippet_is_escaped(client, library):
    response = client.get("/search/", {"q": "calcium"})
    assertContains(response, "<mark>Calcium</mark>")
    assertNotContains(response, "<matter>")


def test_drafts_are_never_found(client, library):
    response = client.get("/search/", {"q": "secret"})
    assert titles(response) == []
    assertContains(response, "0 articles found")


def test_empty_query_asks_for_words(client):
    response = client.get("/search/", {"q": "   "})
    assert response.status_code == 200
    assertContains(response, "Type a word or two")


def test_over_long_query_is_refused_clearly(client, library):
    response = client.get("/search/", {"q": "spine " * 30})
    assert response.status_code == 400
    assertContains(response, "at most 100 characters", status_code=400)


def test_control_characters_in_the_query_are_ignored(client, library):
    # PostgreSQL refuses NUL in a query; a pasted one must not break search.
    response = client.get("/search/", {"q": "osteo\x00blasts"})
    assert titles(response) == ["Bone health"]


def test_search_box_has_a_label(client):
    response = client.get("/search/")
    assertContains(response, '<label for="search-q">')


def test_search_query_count_is_constant(client, library, django_assert_num_queries):
    ArticleFactory.create_batch(5, published=True, body="<p>kyphoplasty again</p>")
    with django_assert_num_queries(2):
        client.get("/search/", {"q": "kyphoplasty"})


@pytest.mark.postgres
def test_postgres_search_uses_the_stored_vector_and_index(library):
    article = Article.objects.get(title="Bone health")
    assert article.search_vector is not None
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = Article.objects.search("osteoblasts").explain()
        cursor.execute("SET enable_seqscan = on")
    assert "article_search_idx" in plan


@pytest.mark.postgres
def test_postgres_vector_follows_edits(library):
    article = Article.objects.get(title="Walking plans")
    article.body = "<p>Hydrotherapy helps.</p>"
    article.save()
    found = Article.objects.search("hydrotherapy")
    assert [a.title for a in found] == ["Walking plans"]
