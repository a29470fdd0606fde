"""Titles suggested as a reader types in the search box."""

import pytest

from articles import services
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

URL = "/search/suggest/"


@pytest.fixture
def titles():
    ArticleFactory(published=True, title="Kyphoplasty explained", slug="kyphoplasty")
    ArticleFactory(published=True, title="After a kyphoplasty", slug="after")
    ArticleFactory(title="Kyphoplasty draft")


def suggested(client, text):
    return client.get(URL, {"q": text}).json()["suggestions"]


def test_published_titles_are_suggested_those_starting_with_the_text_first(
    client, titles
):
    assert suggested(client, "KYPHO") == [
        {"title": "Kyphoplasty explained", "url": "/articles/kyphoplasty/"},
        {"title": "After a kyphoplasty", "url": "/articles/after/"},
    ]
    assert suggested(client, "k") == []  # From two characters.
    assert suggested(client, "nothing like it") == []


def test_at_most_eight_and_an_over_long_text_is_refused(client):
    ArticleFactory.create_batch(10, published=True, title="Back pain basics")
    assert len(suggested(client, "back")) == 8
    response = client.get(URL, {"q": "x" * 101})
    assert response.status_code == 400


def test_each_text_is_looked_up_once_until_content_changes(
    client, titles, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_assert_num_queries(1):
        client.get(URL, {"q": "kyph"})
    with django_assert_num_queries(0):
        assert len(suggested(client, "kyph")) == 2
    # A publication renews every answer.
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(signed_off=True, title="Kyphoplasty recovery")
        services.record_publication(article=article)
    assert len(suggested(client, "kyph")) == 3


def test_the_search_box_offers_the_suggestions(client, titles):
    page = client.get("/").content.decode()
    assert 'data-suggest-url="/search/suggest/"' in page
    assert 'role="listbox"' in page
    assert "/static/js/search_suggest.js" in page
