import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from tests.factories import CategoryFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_markdown_file_becomes_a_draft(tmp_path):
    CategoryFactory(slug="spine")
    source = tmp_path / "whiplash.md"
    source.write_text(
        "# Whiplash after a car crash\n\nMost people recover within weeks.\n\n"
        "## Warning signs\n\n- Numb arms\n- Severe headache\n\n"
        "<script>alert(1)</script>\n",
        encoding="utf-8",
    )
    call_command("import_article", str(source), category="spine")
    article = Article.objects.get()
    assert article.title == "Whiplash after a car crash"
    assert article.slug == "whiplash-after-a-car-crash"
    assert article.status == Article.Status.DRAFT
    assert "<h2>Warning signs</h2>" in article.body
    assert "<li>Numb arms</li>" in article.body
    assert "<h1>" not in article.body
    assert "<script" not in article.body
    assert article.category.slug == "spine"


def test_html_file_keeps_sections_and_demotes_extra_h1(tmp_path):
    source = tmp_path / "page.html"
    source.write_text(
        "<html><body><h1>Epidural injections</h1><p>What to expect.</p>"
        "<h1>Afterwards</h1><p>Rest for a day.</p><h5>Small print</h5></body></html>",
        encoding="utf-8",
    )
    call_command("import_article", str(source))
    article = Article.objects.get()
    assert article.title == "Epidural injections"
    assert article.body.startswith("<p>What to expect.</p><h2>Afterwards</h2>")
    assert "<h4>Small print</h4>" in article.body
    assert article.category.slug == "imported"


def test_title_option_wins_and_slugs_stay_unique(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("Just a paragraph about posture.\n", encoding="utf-8")
    call_command("import_article", str(source), title="Posture")
    call_command("import_article", str(source), title="Posture")
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "posture",
        "posture-2",
    ]


def test_publishing_needs_a_reviewer(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("# Title\n\nBody.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="needs a medical sign-off"):
        call_command("import_article", str(source), status="published")
    reviewer = PersonFactory(slug="dr-quinn", can_sign_off=True)
    call_command(
        "import_article", str(source), status="published", reviewed_by="dr-quinn"
    )
    article = Article.objects.published().get()
    assert article.reviewed_by == reviewer
    assert article.has_current_sign_off


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (None, {}, "No file at"),
        ("", {}, "is empty"),
        ("# Only a title\n", {}, "no content besides its title"),
        ("Text without heading.\n", {}, "pass --title"),
        ("# T\n\nBody.\n", {"category": "nope"}, "No category with the slug 'nope'"),
        ("# T\n\nBody.\n", {"author": "ghost"}, "no person with the slug 'ghost'"),
    ],
)
def test_clear_errors_and_nothing_written(tmp_path, content, options, message):
    source = tmp_path / "input.md"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_article", str(source), **options)
    assert not Article.objects.exists()


def test_binary_file_is_refused(tmp_path):
    source = tmp_path / "photo.html"
    source.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_article", str(source))
