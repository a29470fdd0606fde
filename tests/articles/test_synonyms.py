"""A patient's words find what the articles call by a clinical name."""

import pytest
from pytest_django.asserts import assertContains

from articles.models import Synonym
from articles.synonyms import search_alternatives
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    ArticleFactory(
        published=True,
        title="Vertebral compression fractures",
        body="<p>A vertebral compression fracture is a crack in a spine bone.</p>",
    )
    ArticleFactory(
        published=True,
        title="Herniated disc",
        body="<p>A herniated disc presses on a nerve.</p>",
    )
    ArticleFactory(
        published=True,
        title="Living with a slipped disc",
        body="<p>What people call a slipped disc, day to day.</p>",
    )


def titles(response):
    return sorted(article.title for article in response.context["results"])


@pytest.fixture(autouse=True)
def first_synonyms():
    """The synonyms migration 0026 brings (a flush by another test empties them)."""
    from importlib import import_module

    from django.apps import apps

    import_module("articles.migrations.0026_search_synonyms").add_first_synonyms(
        apps, None
    )


def test_the_first_synonyms_come_with_the_site():
    assert Synonym.objects.get(lay="broken back bone").clinical == (
        "vertebral compression fracture"
    )
    assert Synonym.objects.count() >= 30


def test_a_patients_words_find_the_clinical_article(client, library):
    response = client.get("/search/", {"q": "broken back bone"})
    assert titles(response) == ["Vertebral compression fractures"]
    assertContains(response, "<mark>")


def test_the_patients_own_words_still_count(client, library):
    response = client.get("/search/", {"q": "Slipped  Disc"})
    assert titles(response) == ["Herniated disc", "Living with a slipped disc"]


def test_a_near_duplicate_or_a_quote_is_refused_with_a_reason(editor_client):
    response = editor_client.post(
        "/admin/articles/synonym/add/", {"lay": "Slipped  DISC", "clinical": "x"}
    )
    assert response.status_code == 200
    assertContains(response, "already exists")
    response = editor_client.post(
        "/admin/articles/synonym/add/", {"lay": 'say "ouch"', "clinical": "-pain"}
    )
    assert response.status_code == 200
    assertContains(response, "Leave out quotation marks")
    assertContains(response, "cannot start with a minus")


def test_an_editor_adds_a_synonym_in_the_admin(client, editor_client, library):
    response = editor_client.post(
        "/admin/articles/synonym/add/",
        {"lay": "  Cracked   Spine ", "clinical": "vertebral compression fracture"},
    )
    assert response.status_code == 302
    assert Synonym.objects.get(
        clinical="vertebral compression fracture", lay="cracked spine"
    )
    assert titles(client.get("/search/", {"q": "cracked spine"})) == [
        "Vertebral compression fractures"
    ]


@pytest.mark.parametrize(
    ("query", "alternatives"),
    [
        ("slipped disc pain", ["slipped disc pain", '"herniated disc" pain']),
        ("vcf -surgery", ["vcf -surgery", '"vertebral compression fracture" -surgery']),
        # Left out in either wording, in both.
        (
            "back pain -vcf",
            ['back pain -vcf -"vertebral compression fracture"'],
        ),
        ("-slipped disc", ["-slipped disc"]),  # Not the lay words any more.
        (
            '"my slipped disc hurts"',
            ['"my slipped disc hurts"', '"my herniated disc hurts"'],
        ),
        ("vcf-rfa", ["vcf-rfa"]),  # Hyphenated: another word.
        ("discs", ["discs"]),  # Whole words only.
        ("rfa", ["rfa", '"radiofrequency ablation"']),
        ("nothing to change", ["nothing to change"]),
    ],
)
def test_alternatives(query, alternatives, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert search_alternatives(query) == alternatives


def test_the_glossarys_plain_words_find_the_clinical_article(client, shipped_glossary):
    ArticleFactory(
        published=True,
        title="Treating a vertebral compression fracture",
        body="<p>Bone cement can steady it.</p>",
    )
    page = client.get("/search/", {"q": "squashed spine bone"})
    assert [a.title for a in page.context["results"]] == [
        "Treating a vertebral compression fracture"
    ]
