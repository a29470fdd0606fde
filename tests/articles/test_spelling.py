"""A misspelt search finds what the patient meant, on either database."""

import pytest
from pytest_django.asserts import assertContains

from articles.models import SearchWord
from articles.spelling import corrected_query, edit_distance
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    ArticleFactory(
        published=True,
        title="Kyphoplasty for compression fractures",
        body="<p>Osteoporosis weakens the vertebrae.</p>",
    )
    ArticleFactory(
        published=True,
        title="Sciatica",
        body="<p>Leg pain that starts in the back.</p>",
    )


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("kyphoplasy", "kyphoplasty"),
        ("kyphoplsaty", "kyphoplasty"),  # Two letters swapped.
        ("osteoporsis", "osteoporosis"),
        ("Sciatca leg", "sciatica leg"),
        ('"compresion fractures"', '"compression fractures"'),
        ("kyphoplasty", None),  # Known already.
        ("zzzzqqqq", None),  # Nothing near.
        ("pain", None),
    ],
)
def test_the_nearest_word_the_articles_use(articles, query, meant):
    assert corrected_query(query) == meant


def test_the_words_of_published_articles_are_known():
    ArticleFactory(
        published=True,
        title="Radiofrequency ablation",
        body="<p>Facet joints ache. İİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİİ x</p>",
    )
    # A draft's typo must not become a word the site knows.
    ArticleFactory(title="Osteoporsis draft")
    known = set(SearchWord.objects.values_list("word", flat=True))
    assert {"radiofrequency", "ablation", "facet", "joints", "ache"} <= known
    assert "the" not in known  # Under four letters.
    assert "osteoporsis" not in known
    # Forty letters that lengthen in lower case are no word, and no error.
    assert all(len(word) <= 40 for word in known)


def test_a_long_query_corrects_a_few_words_at_most(
    articles, django_assert_max_num_queries
):
    query = '"' + " ".join(f"wordnumber{chr(97 + n)}" for n in range(9)) + '"'
    # Known words, then candidates for three words at most.
    with django_assert_max_num_queries(4):
        corrected_query(query)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("spine", "spine", 0),
        ("spine", "spline", 1),
        ("sciatca", "sciatica", 1),
        ("kyphoplsaty", "kyphoplasty", 1),
        ("back", "neck", 2),
        ("abcdefgh", "zyxwvuts", 3),  # Stops past the limit (2).
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, 2) == distance


def test_a_misspelt_search_shows_what_the_corrected_one_finds(client, articles):
    response = client.get("/search/", {"q": "kyphoplasy"})
    assert [a.title for a in response.context["results"]] == [
        "Kyphoplasty for compression fractures"
    ]
    assertContains(
        response,
        "Nothing was found for “kyphoplasy”. Showing 1 article for “kyphoplasty”.",
    )


def test_a_search_that_finds_something_is_not_corrected(client, articles):
    response = client.get("/search/", {"q": "sciatica"})
    assert response.context["corrected"] is None
    response = client.get("/search/", {"q": "qqqqzzzz"})
    assert response.context["corrected"] is None
    assert list(response.context["results"]) == []


def test_a_corrected_search_costs_a_bounded_number_of_queries(
    client, articles, django_assert_max_num_queries
):
    # Synonyms and count, known words, candidates for each of the two
    # unknown words, synonyms and count again, the page.
    with django_assert_max_num_queries(9):
        client.get("/search/", {"q": "kyphoplasy osteoporsis"})


def test_an_english_word_the_articles_do_not_use_is_not_corrected():
    ArticleFactory(
        published=True,
        title="Sleeping well",
        summary="Rest at night.",
        body="<p>A short guide.</p>",
    )
    # "shot" is one letter from "short", but a patient typing it means it.
    assert corrected_query("shot") is None
    assert corrected_query("shot sleping") == "shot sleeping"


def test_an_english_word_near_a_topic_of_the_clinic_is_corrected(articles):
    ArticleFactory(published=True, title="Herniated discs", body="<p>Rest.</p>")
    # "herniate" is English, but "herniated" is in a title: the patient
    # meant it.
    assert corrected_query("herniate discs") == "herniated discs"
