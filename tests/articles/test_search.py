from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import Article
from articles.models.article import ArticleQuerySet, TitleFirst, fewer_words
from articles.views import SearchView
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


@pytest.fixture
def fractures():
    ArticleFactory(
        published=True,
        title="Spine basics",
        body="<p>A vertebral compression fracture can follow a fall.</p>",
    )
    ArticleFactory(
        published=True,
        title="Wrist care",
        body="<p>A fracture of the wrist needs a cast; compression helps swelling.</p>",
    )


def test_a_quoted_phrase_finds_its_words_together_only(client, fractures):
    response = client.get("/search/", {"q": '"compression fracture"'})
    assert titles(response) == ["Spine basics"]
    assertContains(response, "<mark>")
    # Unquoted, both articles hold both words.
    response = client.get("/search/", {"q": "compression fracture"})
    assert sorted(titles(response)) == ["Spine basics", "Wrist care"]


def test_a_word_or_phrase_with_a_minus_is_left_out(client, fractures):
    assert titles(client.get("/search/", {"q": "fracture -wrist"})) == ["Spine basics"]
    assert titles(
        client.get("/search/", {"q": 'fracture -"vertebral compression"'})
    ) == ["Wrist care"]


@pytest.mark.parametrize(
    ("query", "wanted", "unwanted"),
    [
        ('"compression  fracture" pain', ["compression fracture", "pain"], []),
        ('back -"bone cement" -surgery', ["back"], ["bone cement", "surgery"]),
        ('stray " quote', ["stray", "quote"], []),
        ("- lone minus", ["lone", "minus"], []),
        (" ".join(f"w{n}" for n in range(12)), [f"w{n}" for n in range(8)], []),
    ],
)
def test_search_terms_read_a_query_as_websearch_does(query, wanted, unwanted):
    from articles.models.article import search_terms

    assert search_terms(query) == (wanted, unwanted)


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
    # The synonyms the query holds, the count, the page.
    with django_assert_num_queries(3):
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


@pytest.fixture
def common_word():
    """Three articles that all use "posture": in a title, often, once."""
    now = timezone.now()
    ArticleFactory(
        published=True,
        published_at=now - timedelta(days=30),
        title="Posture at the desk",
        summary="A screen at eye level.",
        body="<p>Set the screen at eye level.</p>",
    )
    ArticleFactory(
        published=True,
        published_at=now - timedelta(days=20),
        title="Sitting well",
        summary="Chairs and breaks.",
        body="<p>" + "Good posture helps. " * 20 + "</p>",
    )
    ArticleFactory(
        published=True,
        published_at=now - timedelta(days=10),
        title="Standing desks",
        summary="Standing for part of the day.",
        body="<p>Change posture through the day.</p>",
    )


@pytest.mark.postgres
def test_postgres_few_matches_rank_on_the_whole_text(client, common_word):
    response = client.get("/search/", {"q": "posture"})
    assert titles(response) == ["Posture at the desk", "Sitting well", "Standing desks"]


@pytest.mark.postgres
def test_postgres_many_matches_rank_on_title_and_summary_then_date(
    client, common_word, monkeypatch, django_assert_num_queries
):
    # Past the limit, a body's many mentions no longer lift it; an article
    # about the word still leads, then the newest.
    monkeypatch.setattr(ArticleQuerySet, "RANK_WHOLE_TEXT", 2)
    # The synonyms, the count, then the title matches: their count and
    # page, then the rest.
    with django_assert_num_queries(5):
        response = client.get("/search/", {"q": "posture"})
    assert titles(response) == ["Posture at the desk", "Standing desks", "Sitting well"]
    assertContains(response, "3 articles found")


@pytest.mark.postgres
def test_postgres_many_matches_page_across_the_title_matches(
    client, common_word, monkeypatch
):
    monkeypatch.setattr(ArticleQuerySet, "RANK_WHOLE_TEXT", 2)
    monkeypatch.setattr(SearchView, "paginate_by", 1)
    pages = [
        titles(client.get("/search/", {"q": "posture", "page": n})) for n in (1, 2, 3)
    ]
    assert pages == [["Posture at the desk"], ["Standing desks"], ["Sitting well"]]


def test_a_common_word_is_counted_and_shown_only_so_far(
    client, common_word, monkeypatch
):
    monkeypatch.setattr(ArticleQuerySet, "SEARCH_COUNT_LIMIT", 1)
    response = client.get("/search/", {"q": "posture"})
    assertContains(response, "More than 1 articles found for “posture”")
    assertContains(response, "The first 1 are shown")
    assert len(titles(response)) == 1


@pytest.mark.postgres
def test_postgres_a_word_left_out_is_left_out_of_common_word_results(
    client, common_word, monkeypatch
):
    monkeypatch.setattr(ArticleQuerySet, "RANK_WHOLE_TEXT", 0)
    # "Posture at the desk" matches on its title but speaks of eye level.
    response = client.get("/search/", {"q": "posture -eye"})
    assert titles(response) == ["Standing desks", "Sitting well"]


@pytest.mark.postgres
def test_postgres_common_word_results_slice_and_iterate_like_a_queryset(
    common_word, monkeypatch
):
    monkeypatch.setattr(ArticleQuerySet, "RANK_WHOLE_TEXT", 0)
    found = Article.objects.published().search("posture", matches=3)
    assert isinstance(found, TitleFirst)
    expected = ["Posture at the desk", "Standing desks", "Sitting well"]
    assert [a.title for a in found] == expected
    assert [a.title for a in found[1:]] == expected[1:]
    assert found[2].title == "Sitting well"


@pytest.mark.postgres
def test_postgres_title_vector_follows_edits(common_word, monkeypatch):
    monkeypatch.setattr(ArticleQuerySet, "RANK_WHOLE_TEXT", 0)
    article = Article.objects.get(title="Standing desks")
    article.title = "Posture while standing"
    article.save()
    found = Article.objects.search("posture", matches=3)
    assert [a.title for a in found][:2] == [
        "Posture while standing",
        "Posture at the desk",
    ]


def test_fewer_words_leave_out_filler_first_then_one_word_at_a_time():
    steps = list(fewer_words("can I drive after a spinal injection -cement"))
    assert steps == [
        ["drive spinal injection -cement"],  # The filler words out first.
        ["drive spinal -cement", "drive injection -cement", "spinal injection -cement"],
        ["drive -cement", "spinal -cement", "injection -cement"],
    ]
    # A phrase counts as one word; each alternative gives its own.
    assert list(fewer_words(['pain "slipped disc" legs', '"herniated disc" legs'])) == [
        ['pain "slipped disc"', "pain legs", '"slipped disc" legs'],
        ["pain", '"slipped disc"', "legs", '"herniated disc"'],
    ]
    assert list(fewer_words("the spine")) == [["spine"]]
    assert list(fewer_words("spine")) == []  # One word: nothing fewer.


@pytest.fixture
def injections():
    ArticleFactory(
        published=True,
        title="Preparing for an epidural injection",
        body="<p>You may not drive home after the injection.</p>",
    )
    ArticleFactory(
        published=True,
        title="Sciatica",
        body="<p>Leg pain; an injection sometimes helps.</p>",
    )


def test_a_search_no_article_fully_matches_shows_those_with_most_words(
    client, injections
):
    page = client.get("/search/", {"q": "can I drive after a spinal injection"})
    # No article says "spinal": the one with "drive" and "injection" first.
    assert titles(page) == ["Preparing for an epidural injection"]
    assertContains(
        page,
        "No article has all the words of “can I drive after a spinal injection”. "
        "Showing 1 article with most of them.",
    )


def test_fewer_words_never_drops_a_word_left_out(client, injections):
    page = client.get("/search/", {"q": "spinal injection -drive"})
    assert titles(page) == ["Sciatica"]
    assertContains(page, "with most of them")


def test_every_word_found_says_nothing_of_fewer_words(client, injections):
    page = client.get("/search/", {"q": "drive injection"})
    assert titles(page) == ["Preparing for an epidural injection"]
    assertNotContains(page, "with most of them")


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("zzqx & | !( :* <-> drive injection", True),
        ("l'injection ''' drive", True),
        ('"" - -- drive injection qqqq', True),
        # SQLite reads "injection:" as it is typed: only PostgreSQL's parser
        # drops the colon. Either way the reader's operators stay text.
        ('drive\'s injection: -"(x" !!', connection.vendor == "postgresql"),
    ],
)
def test_tsquery_syntax_in_a_fewer_words_search_is_only_text(
    client, injections, query, finds
):
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    assert ("Preparing for an epidural injection" in titles(page)) is finds


def test_fewer_words_are_read_as_the_articles_spell_them(client, injections):
    # "injecton" is misspelt and "zebra" in no article: the article with
    # "drive" and "injection" is found, and the page says how it was read.
    page = client.get("/search/", {"q": "drive injecton zebra"})
    assert titles(page) == ["Preparing for an epidural injection"]
    assertContains(
        page,
        "No article has all the words of “drive injecton zebra”, even spelled "
        "“drive injection zebra”. Showing 1 article with most of them.",
    )
