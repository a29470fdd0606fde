import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Category, Image
from tests.helpers import sitemap_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_demo_has_articles_in_every_state():
    assert Article.objects.count() >= 8
    assert Category.objects.filter(parent__isnull=True).count() >= 3
    states = set(Article.objects.values_list("status", flat=True))
    assert states == set(Article.Status.values)
    assert any(article.is_scheduled for article in Article.objects.all())
    assert Article.objects.review_overdue().exists()
    for article in Article.objects.published():
        assert article.has_current_sign_off, article
        assert article.reviewed_by.name == "Dr. Rafael Reyes"


def test_every_demo_article_starts_with_a_revision_to_go_back_to():
    from reversion.models import Version

    for article in Article.objects.all():
        first = Version.objects.get_for_object(article).last()
        assert first is not None, article
        assert first.revision.comment == "Demo content"


def test_kyphoplasty_article_has_its_sections():
    article = Article.objects.published().get(
        slug="kyphoplasty-vertebral-compression-fractures"
    )
    for heading in (
        "What is a vertebral compression fracture?",
        "What kyphoplasty is",
        "How it differs from vertebroplasty",
        "Who it is for",
        "What the procedure involves",
        "Speak with a spine specialist",
    ):
        assert heading in article.body
    assert article.references.count() == 2
    assert article.featured_image.width == 1200
    assert article.author.name == "Elena Marsh"


def test_load_demo_again_leaves_the_content_as_editors_left_it(capsys, monkeypatch):
    from django.contrib.redirects.models import Redirect

    from comments.models import Comment

    # An editor renames one demo article and deletes another.
    renamed = Article.objects.get(slug="understanding-osteoporosis")
    renamed.slug = "osteoporosis-basics"
    renamed.save()
    Article.objects.get(slug="sleeping-positions-for-neck-pain").delete()

    def counts_now():
        return (Article.objects.count(), Image.objects.count(), Comment.objects.count())

    counts = counts_now()
    call_command("load_demo", force=True)
    out = capsys.readouterr().out
    assert (
        Article.objects.count(),
        Image.objects.count(),
        Comment.objects.count(),
    ) == counts
    assert not Article.objects.filter(slug="understanding-osteoporosis").exists()
    assert not Article.objects.filter(slug="sleeping-positions-for-neck-pain").exists()
    assert f"The site already has content ({counts[0]} articles," in out
    assert "load_demo --reset" in out
    # The accounts are still reset and printed.
    assert "demo-editor-pass" in out

    # Asked first, it deletes nothing without a "yes".
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was deleted"):
        call_command("load_demo", force=True, reset=True)
    assert counts_now() == counts
    call_command("load_demo", force=True, reset=True, interactive=False)
    out = capsys.readouterr().out
    assert f"{counts[0]} articles" in out.split("Deleted: ")[1].splitlines()[0]
    assert "Demo content loaded:" in out
    assert Article.objects.filter(slug="understanding-osteoporosis").exists()
    assert Article.objects.filter(slug="sleeping-positions-for-neck-pain").exists()
    assert not Article.objects.filter(slug="osteoporosis-basics").exists()
    assert not Redirect.objects.exists()


def test_demo_reviewer_account_can_sign_off(client):
    signed_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "reviewer", "password": "demo-reviewer-pass"},
    )
    assert signed_in.status_code == 302
    article = Article.objects.get(slug="sleeping-positions-for-neck-pain")
    client.post(
        "/admin/articles/article/",
        {"action": "sign_off_selected", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.has_current_sign_off


def test_demo_kyphoplasty_is_searchable_fed_and_in_the_sitemap(client):
    url = "/articles/kyphoplasty-vertebral-compression-fractures/"
    # "sponge" occurs only in the body of the article.
    response = client.get("/search/", {"q": "sponge"})
    assert [a.get_absolute_url() for a in response.context["results"]] == [url]
    assert url in client.get("/feeds/rss/").content.decode()
    assert url in client.get("/feeds/atom/").content.decode()
    assert url in sitemap_text(client)


def test_demo_has_comments_in_every_status_and_threads(client):
    from comments.models import Comment

    assert set(Comment.objects.values_list("status", flat=True)) == set(
        Comment.Status.values
    )
    assert Comment.objects.filter(depth=3).exists()
    assert Comment.objects.filter(user__username="reviewer").exists()
    page = client.get("/articles/kyphoplasty-vertebral-compression-fractures/")
    assert b"Clinic team" in page.content
    assert b"555-201-7788" not in page.content


def test_demo_has_backlinks_in_every_status(client):
    from articles.hub.models import Backlink

    assert set(Backlink.objects.values_list("status", flat=True)) == set(
        Backlink.Status.values
    )
    hub = client.get("/hub/").content.decode()
    assert "healthyaging.example" in hub
    assert "cheap-pills.example" not in hub
    assert "communityclinic.example" not in hub


def test_demo_has_outbound_links_to_check():
    from articles.hub.models import Link

    assert Link.objects.external().count() >= 2


def test_demo_articles_link_to_each_other():
    osteoporosis = Article.objects.get(slug="understanding-osteoporosis")
    assert osteoporosis.inbound_links.filter(
        source__slug="kyphoplasty-vertebral-compression-fractures"
    ).exists()


def test_load_demo_prints_accounts_that_can_log_in(demo, client):
    assert "demo-editor-pass" in demo
    signed_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "demo-editor-pass"},
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_load_demo_refuses_to_run_without_debug():
    # The demo accounts' passwords are public: no demo on a real server.
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("load_demo")


def test_load_demo_runs_with_debug(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    assert "The site already has content" in capsys.readouterr().out


def test_the_demo_contact_page_is_real_and_an_editors_text_stays(client):
    from django.contrib.flatpages.models import FlatPage

    page = client.get("/contact/")
    assert "Monday to Friday" in page.content.decode()
    contact = FlatPage.objects.get(url="/contact/")
    contact.content = "<p>Our own opening hours.</p>"
    contact.save()
    call_command("load_demo", force=True)
    contact.refresh_from_db()
    assert contact.content == "<p>Our own opening hours.</p>"
