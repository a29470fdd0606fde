import pytest
from django.core.exceptions import ValidationError
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from articles import readability, services
from articles.dictionary import syllables
from articles.home import median_grade, reading_panel
from articles.models import Article, GlossaryTerm, SiteConfiguration
from tests.factories import ArticleFactory
from tests.helpers import change_url, form_data

#: 25 sentences of six one-syllable words: 150 words.
EASY = "<p>" + " ".join(["The cat sat on the mat."] * 25) + "</p>"
#: 40 sentences of three words of three or four syllables (10 in all).
HARD = "<p>" + " ".join(["Physicians recommend medication."] * 40) + "</p>"
#: Half the sentences are passive.
HALF_PASSIVE = (
    "<p>"
    + " ".join(["The bone was broken by the fall.", "The doctor checks the bone."] * 10)
    + "</p>"
)


def flesch_kincaid(words, sentences, syllables):
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def test_grade_figures_of_known_texts():
    easy = readability.measure(EASY)
    assert (easy.words, easy.sentences, easy.words_per_sentence) == (150, 25, 6.0)
    assert easy.grade == pytest.approx(flesch_kincaid(150, 25, 150), abs=0.06)
    assert easy.long_words == 0
    assert easy.passive == 0

    hard = readability.measure(HARD)
    assert (hard.words, hard.sentences) == (120, 40)
    assert hard.grade == pytest.approx(flesch_kincaid(120, 40, 400), abs=0.06)
    # SMOG: 1.043 √(30 × 120 long words / 40 sentences) + 3.1291.
    assert hard.smog == pytest.approx(1.043 * (30 * 120 / 40) ** 0.5 + 3.1291, abs=0.06)
    assert hard.long_words == 1.0

    assert readability.measure(HALF_PASSIVE).passive == 0.5


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("spine", 1),
        ("Medication", 4),
        ("osteoporosis", 6),
        ("kyphoplasty", 4),  # Not in the dictionary: hyphenation counts it.
        ("x", 1),
    ],
)
def test_syllables(word, count):
    assert syllables(word) == count


def test_headings_are_left_out_and_each_list_item_ends_a_sentence():
    html = (
        "<h2>Osteoporosis and vertebroplasty considerations</h2>"
        "<ul><li>Rest the back</li><li>Walk a little</li></ul>"
        "<p>Ask us\nwhen in doubt.</p>"
    )
    assert readability.sentences(html) == [
        "Rest the back",
        "Walk a little",
        "Ask us when in doubt.",
    ]


def test_a_short_text_has_figures_but_no_grade():
    reading = readability.measure("<p>Osteoporosis weakens vertebrae.</p>")
    assert reading.words == 3
    assert reading.grade is None
    assert reading.smog is None
    assert readability.measure("<p> </p>") is None


def test_the_hardest_sentences_come_first():
    html = (
        "<p>Call us if the pain gets worse at night.</p>"
        "<p>Percutaneous augmentation is occasionally contraindicated "
        "in individuals with coagulopathy.</p>"
        "<p>Vertebroplasty stabilises the fractured vertebral body "
        "considerably.</p>"
    )
    hardest = readability.hardest_sentences(html, above=8)
    assert [sentence for sentence, _grade, _passive in hardest] == [
        "Percutaneous augmentation is occasionally contraindicated in "
        "individuals with coagulopathy.",
        "Vertebroplasty stabilises the fractured vertebral body considerably.",
    ]
    assert hardest[0][1] > hardest[1][1] > 8


@pytest.mark.django_db
def test_each_version_is_measured_when_saved(editor):
    article = ArticleFactory(body=EASY, published=True)
    assert article.reading_grade == readability.measure(EASY).grade
    assert article.reading["words"] == 150

    services.save_version(article=article, content={"body": HARD}, user=editor)
    article.refresh_from_db()
    # Readers' version keeps its figures; the draft has its own.
    assert article.reading["words"] == 150
    assert article.draft.reading_grade == readability.measure(HARD).grade


# --- The sign-off -----------------------------------------------------------


@pytest.fixture
def hard_article(editor):
    return ArticleFactory(body=HARD, in_review=True)


@pytest.mark.django_db
def test_a_version_above_the_target_needs_a_reason(reviewer, hard_article):
    with pytest.raises(ValidationError) as refused:
        services.sign_off_article(article=hard_article, user=reviewer)
    assert refused.value.code == "above_target_grade"
    assert "grade 24.9, above the clinic's target of 8" in refused.value.messages[0]
    hard_article.refresh_from_db()
    assert not hard_article.reviewed_by_id

    services.sign_off_article(
        article=hard_article,
        user=reviewer,
        reading_reason="  Written for referring physicians. ",
    )
    hard_article.refresh_from_db()
    assert hard_article.has_current_sign_off
    assert hard_article.reading_reason == "Written for referring physicians."
    revision = Version.objects.get_for_object(hard_article).first().revision
    assert "Written for referring physicians." in revision.comment


@pytest.mark.django_db
def test_the_target_is_the_clinics_setting(reviewer, hard_article):
    config = SiteConfiguration.load()
    config.target_grade = 16
    config.save()
    hard_article.body = HARD.replace("<p>", "<p>" + "The cat sat on the mat. " * 20)
    hard_article.save()
    assert 8 < hard_article.reading_grade <= 16
    services.sign_off_article(
        article=hard_article, user=reviewer, reading_reason="Not needed."
    )
    hard_article.refresh_from_db()
    assert hard_article.has_current_sign_off
    assert hard_article.reading_reason == ""  # Within the target: no reason.


@pytest.mark.django_db
def test_a_change_to_the_body_voids_the_reason_with_the_sign_off(
    reviewer, editor, hard_article
):
    services.sign_off_article(
        article=hard_article, user=reviewer, reading_reason="Technical topic."
    )
    services.save_version(
        article=Article.objects.get(pk=hard_article.pk),
        content={"body": HARD + "<p>One more line.</p>"},
        user=editor,
    )
    hard_article.refresh_from_db()
    assert not hard_article.has_current_sign_off
    assert hard_article.reading_reason == ""


@pytest.mark.django_db
def test_the_reviewer_sees_the_grade_and_gives_the_reason_in_the_admin(
    reviewer_client, hard_article
):
    page = reviewer_client.get(change_url(hard_article))
    assertContains(page, "Reads at grade 24.9")
    assertContains(page, "above the clinic's target of grade 8")
    assertContains(page, "Long words (three syllables or more): 100%")
    assertNotContains(page, "Sentences that pull the grade up")  # None so long.
    assertContains(page, 'name="reading_reason_input"')

    refused = reviewer_client.post(
        change_url(hard_article),
        form_data(hard_article, _workflow_sign_off="1"),
        follow=True,
    )
    assertContains(refused, "give your reason for signing it off")
    hard_article.refresh_from_db()
    assert not hard_article.reviewed_by_id

    reviewer_client.post(
        change_url(hard_article),
        form_data(
            hard_article,
            _workflow_sign_off="1",
            reading_reason_input="A summary for specialists.",
        ),
    )
    hard_article.refresh_from_db()
    assert hard_article.has_current_sign_off
    assert hard_article.reading_reason == "A summary for specialists."
    page = reviewer_client.get(change_url(hard_article))
    assertContains(page, "Signed off above the target because:")
    assertContains(page, "A summary for specialists.")


@pytest.mark.django_db
def test_editors_see_the_hard_sentences_and_the_terms_but_write_no_reason(
    editor_client,
):
    article = ArticleFactory(
        body=EASY + "<p>Percutaneous augmentation is occasionally contraindicated in "
        "individuals with coagulopathy.</p><p>Kyphoplasty needs a day.</p>",
    )
    GlossaryTerm.objects.update_or_create(
        term="kyphoplasty", defaults={"plain": "balloon repair", "meaning": "x."}
    )
    page = editor_client.get(change_url(article))
    assertContains(page, "Sentences that pull the grade up")
    assertContains(
        page,
        "<mark>Percutaneous augmentation is occasionally contraindicated in "
        "individuals with coagulopathy.</mark>",
        html=False,
    )
    assertContains(page, "<td>kyphoplasty</td><td>balloon repair</td><td>1×</td>")
    assertNotContains(page, 'name="reading_reason_input"')


@pytest.mark.django_db
def test_the_bulk_sign_off_refuses_what_needs_a_reason(reviewer_client, hard_article):
    easy = ArticleFactory(body=EASY, in_review=True)
    response = reviewer_client.post(
        "/admin/articles/article/",
        {
            "action": "sign_off_selected",
            "_selected_action": [hard_article.pk, easy.pk],
        },
        follow=True,
    )
    assertContains(response, "give your reason for signing it off")
    hard_article.refresh_from_db()
    easy.refresh_from_db()
    assert not hard_article.reviewed_by_id
    assert easy.has_current_sign_off


# --- Readers and the editors' home ------------------------------------------


@pytest.mark.django_db
def test_readers_see_the_level_only_when_the_clinic_turns_it_on(
    client, admin_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(body=EASY, published=True)
    assertNotContains(client.get(article.get_absolute_url()), "Reading level")
    config = SiteConfiguration.load()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/articles/siteconfiguration/{config.pk}/change/",
            {
                "cta_heading": config.cta_heading,
                "cta_text": config.cta_text,
                "cta_button": config.cta_button,
                "cta_url": config.cta_url,
                "overdue_review": config.overdue_review,
                "target_grade": 8,
                "show_reading_level": "on",
            },
        )
    assert response.status_code == 302
    page = client.get(article.get_absolute_url())
    assertContains(page, "Reading level: very easy")  # Grade -1.4.


@pytest.mark.parametrize(
    ("grade", "label"),
    [
        (None, ""),
        (0.9, "very easy"),
        (7.5, "school grade 8"),
        (12.4, "school grade 12"),
        (13.0, "college level"),
    ],
)
def test_readers_are_told_the_grade_in_words_they_know(grade, label):
    assert Article(reading_grade=grade).reading_level_label == label


@pytest.mark.django_db
def test_the_home_panel_shows_the_median_and_the_hardest(django_assert_num_queries):
    for body in (EASY, HARD, EASY.replace("cat", "doctor")):
        ArticleFactory(body=body, published=True)
    ArticleFactory(body=HARD + HARD, title="Unpublished")  # Not the library's.
    grades = sorted(Article.objects.published().values_list("reading_grade", flat=True))
    assert median_grade(Article.objects.published()) == grades[1]
    SiteConfiguration.load()
    with django_assert_num_queries(4):
        panel = reading_panel()
    assert panel.count == 1
    assert [row.note for row in panel.rows] == ["grade 24.9"]
    assert f"median: grade {grades[1]}" in panel.summary


@pytest.mark.django_db
def test_the_median_of_an_even_count_is_between_the_middle_two():
    for body in (EASY, HARD, EASY.replace("cat", "doctor"), HARD):
        ArticleFactory(body=body, published=True)
    grades = sorted(Article.objects.values_list("reading_grade", flat=True))
    assert median_grade(Article.objects.all()) == round((grades[1] + grades[2]) / 2, 1)
    assert median_grade(Article.objects.none()) is None


def test_the_grades_are_textstats_on_the_demo_articles():
    from textstat import textstat

    from articles.demo_content import ARTICLES

    compared = 0
    for article in ARTICLES:
        reading = readability.measure(article["body"])
        if reading.grade is None:
            continue
        # The same sentences, as textstat reads them: each one ends in a stop.
        # Within half a grade: for a word the dictionary lacks, textstat's
        # hyphenation counts fewer syllables ("kyphoplasty": three).
        text = " ".join(
            s if s.endswith((".", "!", "?")) else f"{s}."
            for s in readability.sentences(article["body"])
        )
        assert reading.grade == pytest.approx(
            textstat.flesch_kincaid_grade(text), abs=0.5
        )
        assert reading.smog == pytest.approx(textstat.smog_index(text), abs=0.5)
        compared += 1
    assert compared >= 5


@pytest.mark.django_db
def test_an_import_says_who_vouched_for_a_version_above_the_target():
    from tests.factories import CategoryFactory, PersonFactory

    category = CategoryFactory()
    hard, easy = services.create_articles(
        articles=[
            Article(title="Hard", slug="hard", body=HARD, category=category),
            Article(title="Easy", slug="easy", body=EASY, category=category),
        ],
        signed_off_by=PersonFactory(),
    )
    assert hard.reading_reason == str(services.IMPORT_READING_REASON)
    assert easy.reading_reason == ""
    assert Article.objects.get(slug="hard").has_current_sign_off
