import json
from pathlib import Path

import pytest
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from articles.glossary import explain_first_uses, terms_used
from articles.models import GlossaryTerm, Synonym
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[2] / "articles" / "data" / "glossary.json"


@pytest.fixture
def glossary():
    GlossaryTerm.objects.all().delete()
    return [
        GlossaryTerm.objects.create(term=term, plain=plain, meaning=meaning)
        for term, plain, meaning in (
            ("vertebra", "spine bone", "One of the bones of the spine."),
            ("fracture", "break", "A break in a bone."),
            (
                "vertebral compression fracture",
                "collapsed spine bone",
                "A spine bone that has flattened.",
            ),
            ("injection", "shot", "Medicine given through a needle."),
            ("MRI", "magnet scan", "A scan that uses magnets & radio waves."),
            ("x-ray", "x-ray picture", "A picture of the bones."),
            ("therapy", "treatment", "A way of treating a condition."),
            ("diagnosis", "finding", "What the doctor finds is wrong."),
        )
    ]


def used(text, glossary):
    return {term.term: count for term, count in terms_used(text, glossary)}


def test_plurals_case_and_spellings_match(glossary):
    text = (
        "Two Vertebrae and one VERTEBRA. Injections and an injection. "
        "MRIs after an MRI. An X ray, an x-ray and X-rays. Therapies, therapy. "
        "Diagnoses differ from a diagnosis."
    )
    assert used(text, glossary) == {
        "vertebra": 2,
        "injection": 2,
        "MRI": 2,
        "x-ray": 3,
        "therapy": 2,
        "diagnosis": 2,
    }


def test_only_whole_words_match(glossary):
    text = "Fractured, refracture, vertebral-like, injectionist, MRIscan, xray."
    assert used(text, glossary) == {}


def test_the_longest_term_wins(glossary):
    text = "A vertebral compression fracture is a fracture."
    assert used(text, glossary) == {"vertebral compression fracture": 1, "fracture": 1}


def test_the_shipped_glossary_is_loaded_with_its_synonyms(shipped_glossary):
    entries = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert len(entries) >= 150
    assert GlossaryTerm.objects.count() == len(entries)
    kyphoplasty = GlossaryTerm.objects.get(term="kyphoplasty")
    assert kyphoplasty.plain
    assert kyphoplasty.meaning
    # A term's lay words become a synonym of it, for search.
    assert Synonym.objects.get(lay="squashed spine bone").clinical == (
        "vertebral compression fracture"
    )
    # The synonyms written before the glossary are kept as they were.
    assert Synonym.objects.get(lay="slipped disc").clinical == "herniated disc"


def test_first_uses_are_explained_once(glossary):
    html = (
        "<h2>Fracture care</h2>"
        '<p>See <a href="/x/">fracture clinics</a>. A fracture heals.</p>'
        "<p>Another fracture, then an <strong>MRI</strong>.</p>"
    )
    explained = explain_first_uses(html, glossary)
    # Not in the heading or the link: the first use in running text.
    assert explained.startswith(
        '<h2>Fracture care</h2><p>See <a href="/x/">fracture clinics</a>. A '
        '<span class="term"><dfn tabindex="0" '
        'aria-describedby="glossary-term-1">fracture</dfn>'
    )
    assert explained.count("<dfn") == 2
    assert "<p>Another fracture, then" in explained
    # The meaning is text, escaped, and tied to its term for screen readers.
    assert (
        '<span class="term__meaning" role="tooltip" id="glossary-term-2" '
        'aria-hidden="true">'
        '<span class="term__bracket"> (</span>A scan that uses magnets &amp; radio '
        'waves.<span class="term__bracket">)</span></span>'
    ) in explained


def test_markup_in_the_body_is_kept(glossary):
    html = '<p>An <a href="/f/" title="fracture">x</a> and <em>vertebrae</em>.</p>'
    explained = explain_first_uses(html, glossary)
    assert '<a href="/f/" title="fracture">x</a>' in explained
    assert '<em><span class="term"><dfn' in explained


def test_readers_see_meanings_only_where_the_article_asks(client, glossary):
    body = "<p>The vertebra healed after the fracture was treated.</p>"
    plain = ArticleFactory(published=True, body=body)
    explained = ArticleFactory(published=True, body=body, explain_terms=True)
    assertNotContains(client.get(plain.get_absolute_url()), "<dfn")
    page = client.get(explained.get_absolute_url())
    assertContains(
        page, '<dfn tabindex="0" aria-describedby="glossary-term-1">vertebra</dfn>'
    )
    assertContains(page, "One of the bones of the spine.")


def test_a_glossary_change_renews_the_pages(
    client, admin_client, glossary, django_capture_on_commit_callbacks
):
    article = ArticleFactory(
        published=True, body="<p>After the fracture.</p>", explain_terms=True
    )
    assertContains(client.get(article.get_absolute_url()), "A break in a bone.")
    fracture = GlossaryTerm.objects.get(term="fracture")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/articles/glossaryterm/{fracture.pk}/change/",
            {"term": "fracture", "plain": "break", "meaning": "A cracked bone."},
        )
    assert response.status_code == 302
    page = client.get(article.get_absolute_url())
    assertContains(page, "A cracked bone.")
    assertNotContains(page, "A break in a bone.")


def test_the_admin_refuses_a_term_twice_in_another_case(admin_client, glossary):
    response = admin_client.post(
        "/admin/articles/glossaryterm/add/",
        {"term": "  Vertebra ", "plain": "bone", "meaning": "Again."},
    )
    assertContains(response, "The glossary already has this term.")
    assert GlossaryTerm.objects.filter(term__iexact="vertebra").count() == 1


def test_reviewers_add_terms(reviewer_client):
    response = reviewer_client.post(
        "/admin/articles/glossaryterm/add/",
        {"term": "costochondritis", "plain": "sore rib joint", "meaning": "Pain."},
    )
    assert response.status_code == 302
    assert GlossaryTerm.objects.get(term="costochondritis").plain == "sore rib joint"


def test_an_abbreviation_matches_in_capitals_only(glossary):
    GlossaryTerm.objects.create(term="TENS", plain="nerve buzzer", meaning="x.")
    text = "Tens of patients try TENS; some try a TENS unit twice."
    assert used(text, GlossaryTerm.objects.all()) == {"TENS": 2}


def test_odd_letters_and_markup_cost_no_error(glossary):
    text = "ſciatica, İnflammation, ınflammation, VERTEBRA."
    assert used(text, glossary) == {"vertebra": 1}
    # The sanitizer escapes < and > inside attributes: tags stay whole.
    html = '<p><img alt="a &gt; fracture &lt;b&gt;" src="/x.png"> A fracture.</p>'
    explained = explain_first_uses(html, glossary)
    assert explained.startswith('<p><img alt="a &gt; fracture &lt;b&gt;" src="/x.png">')
    assert explained.count("<dfn") == 1


@pytest.mark.parametrize(
    ("term", "error"),
    [
        ("-", "words of letters or digits"),
        ("a -", "words of letters or digits"),
        ("back (lower)", "words of letters or digits"),
        ("one two three four five six seven", "at most 6 words"),
    ],
)
def test_the_admin_refuses_a_term_that_is_no_words(admin_client, term, error):
    response = admin_client.post(
        "/admin/articles/glossaryterm/add/",
        {"term": term, "plain": "x", "meaning": "x."},
    )
    assertContains(response, error)
    assert not GlossaryTerm.objects.filter(term=term).exists()


def test_a_term_saved_before_the_rules_is_skipped(glossary):
    GlossaryTerm.objects.bulk_create([GlossaryTerm(term="-", plain="x", meaning="x.")])
    assert used("A fracture - and a vertebra.", GlossaryTerm.objects.all()) == {
        "fracture": 1,
        "vertebra": 1,
    }


def test_reviewers_keep_the_glossary_and_editors_read_it(
    client, editor, reviewer, glossary
):
    fracture = GlossaryTerm.objects.get(term="fracture")
    url = f"/admin/articles/glossaryterm/{fracture.pk}/change/"
    client.force_login(editor)
    assert client.get("/admin/articles/glossaryterm/").status_code == 200
    refused = client.post(url, {"term": "fracture", "plain": "b", "meaning": "No."})
    assert refused.status_code == 403
    client.force_login(reviewer)
    response = client.post(
        url, {"term": "fracture", "plain": "break", "meaning": "A cracked bone."}
    )
    assert response.status_code == 302
    # Each change is a revision to go back to.
    (version,) = Version.objects.get_for_object(fracture)
    assert version.field_dict["meaning"] == "A cracked bone."
    history = client.get(url.replace("/change/", "/history/"))
    assertContains(history, reverse_revision_url(fracture, version))


def reverse_revision_url(term, version):
    return f"/admin/articles/glossaryterm/{term.pk}/history/{version.pk}/"
