from datetime import timedelta

import pytest
from django.contrib.redirects.models import Redirect
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from reversion.models import Version

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, CategoryFactory, ReferenceFactory
from tests.helpers import change_url, form_data

pytestmark = pytest.mark.django_db


def test_editor_adds_an_article_with_a_reference(editor_client):
    category = CategoryFactory()
    data = form_data(
        Article(title="Sciatica basics", slug="sciatica-basics", category=category),
        body="<h2>What it is</h2><p>Leg pain from a nerve.</p><script>x()</script>",
        **{
            "references-TOTAL_FORMS": 1,
            "references-0-citation": "Doe J. Sciatica. Spine J. 2020.",
            "references-0-doi": "10.1000/sci",
            "references-0-pmid": "123456",
            "references-0-position": 0,
        },
    )
    response = editor_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get(slug="sciatica-basics")
    assert article.status == Article.Status.DRAFT
    assert "<script>" not in article.body
    assert article.summary == "What it is Leg pain from a nerve."
    assert article.references.get().pmid == "123456"
    assert Version.objects.get_for_object(article).count() == 1


def test_bad_reference_identifiers_are_explained(editor_client):
    article = ArticleFactory()
    data = form_data(
        article,
        **{
            "references-TOTAL_FORMS": 1,
            "references-0-citation": "Doe J.",
            "references-0-doi": "doi.org/abc",
            "references-0-pmid": "PMID12",
            "references-0-position": 0,
        },
    )
    response = editor_client.post(change_url(article), data)
    assertContains(response, "A DOI starts with")
    assertContains(response, "digits only")
    assert not article.references.exists()


def test_featured_image_needs_alt_text_or_decorative(editor_client):
    from tests.factories import ImageFactory

    article = ArticleFactory()
    image = ImageFactory()
    response = editor_client.post(
        change_url(article), form_data(article, featured_image=image.pk)
    )
    assertContains(response, "Describe the featured image")
    response = editor_client.post(
        change_url(article),
        form_data(article, featured_image=image.pk, featured_image_is_decorative="on"),
    )
    assert response.status_code == 302


def test_workflow_buttons_take_an_article_from_draft_to_published(
    client, editor, reviewer
):
    article = ArticleFactory()
    client.force_login(editor)
    page = client.get(change_url(article))
    assertContains(page, "Save and send for review")
    assertNotContains(page, "Save and sign off")
    client.post(change_url(article), form_data(article, _workflow_submit="1"))
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW

    response = client.post(
        change_url(article), form_data(article, _workflow_publish="1")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW

    client.force_login(reviewer)
    client.post(change_url(article), form_data(article, _workflow_sign_off="1"))
    client.force_login(editor)
    client.post(change_url(article), form_data(article, _workflow_publish="1"))
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.reviewed_by == reviewer.person


def test_refused_publish_shows_the_reason(editor_client):
    article = ArticleFactory(in_review=True)
    response = editor_client.post(
        change_url(article), form_data(article, _workflow_publish="1"), follow=True
    )
    assertContains(response, "no current medical sign-off")


def test_editor_sign_off_action_is_not_offered_and_refused(editor_client):
    article = ArticleFactory(in_review=True)
    page = editor_client.get("/admin/articles/article/")
    assertNotContains(page, "sign_off_selected")
    editor_client.post(
        "/admin/articles/article/",
        {"action": "sign_off_selected", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.reviewed_by is None


def test_reviewer_signs_off_in_bulk(reviewer_client):
    articles = ArticleFactory.create_batch(3, in_review=True)
    reviewer_client.post(
        "/admin/articles/article/",
        {"action": "sign_off_selected", "_selected_action": [a.pk for a in articles]},
    )
    assert Article.objects.filter(reviewed_by__isnull=False).count() == 3


def test_moderator_cannot_edit_articles(moderator_client):
    article = ArticleFactory()
    assert moderator_client.get(change_url(article)).status_code == 200  # view only
    response = moderator_client.post(change_url(article), form_data(article, title="X"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title != "X"
    assert moderator_client.get("/admin/articles/article/add/").status_code == 403


def test_anonymous_admin_is_sent_to_login(client):
    response = client.get("/admin/articles/article/")
    assertRedirects(
        response,
        "/admin/login/?next=/admin/articles/article/",
        fetch_redirect_response=False,
    )


def test_editing_content_after_sign_off_warns(editor_client):
    article = ArticleFactory(signed_off=True)
    response = editor_client.post(
        change_url(article), form_data(article, body="<p>Other words.</p>"), follow=True
    )
    assertContains(response, "voided the sign-off")


def test_images_from_other_sites_are_flagged_on_save(editor_client, settings):
    settings.CLINIC_MEDIA_ORIGINS = ["https://media.clinic.example"]
    article = ArticleFactory()
    body = (
        '<p><img src="https://hotlink.example/spine.png" alt="Spine"></p>'
        '<p><img src="https://media.clinic.example/x.png" alt="Ours, in the bucket">'
        '<img src="/media/articles/y.png" alt="Ours"></p>'
    )
    response = editor_client.post(
        change_url(article), form_data(article, body=body), follow=True
    )
    assertContains(response, "will not show the images")
    assertContains(response, "(hotlink.example)")
    article.refresh_from_db()
    assert "hotlink.example/spine.png" in article.body
    # Only the site's own images: no warning.
    response = editor_client.post(
        change_url(article),
        form_data(article, body='<p><img src="/media/articles/y.png" alt="Ours"></p>'),
        follow=True,
    )
    assertNotContains(response, "will not show the images")


def test_review_overdue_filter(editor_client):
    ArticleFactory(published=True, title="Stale advice", next_review_at=None)
    Article.objects.update(next_review_at=timezone.localdate() - timedelta(days=1))
    ArticleFactory(published=True, title="Fresh advice")
    response = editor_client.get("/admin/articles/article/?review=overdue")
    assertContains(response, "Stale advice")
    assertNotContains(response, "Fresh advice")


def test_changelist_query_count_is_constant(editor_client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ArticleFactory(published=True)
    with CaptureQueriesContext(connection) as one_row:
        editor_client.get("/admin/articles/article/")
    for article in ArticleFactory.create_batch(5, published=True):
        services.save_version(article=article, content={"summary": "Shorter."})
    for article in ArticleFactory.create_batch(3, signed_off=True):
        ReferenceFactory(article=article)
        article.publish_at = timezone.now() + timedelta(days=2)
        article.save(update_fields=["publish_at"])
    with django_assert_num_queries(len(one_row)):
        response = editor_client.get("/admin/articles/article/")
    assertContains(response, "Published · unpublished changes (draft)", count=5)
    assertContains(response, "Scheduled for", count=3)
    assertContains(response, "waiting for sign-off", count=3)
    response = editor_client.get("/admin/articles/article/?changes=yes")
    assert len(response.context["cl"].result_list) == 5


def test_change_form_uses_ckeditor_and_our_upload_view(editor_client):
    article = ArticleFactory()
    response = editor_client.get(change_url(article))
    assertContains(response, "django_ckeditor_5/dist/bundle.js")
    assertContains(response, 'data-upload-url="/editor/upload-image/"')


def test_changing_a_published_slug_leaves_a_301(editor_client):
    article = ArticleFactory(published=True, slug="old-name")
    editor_client.post(change_url(article), form_data(article, slug="new-name"))
    response = editor_client.get("/articles/old-name/")
    assertRedirects(response, "/articles/new-name/", status_code=301)


def test_changing_a_slug_back_makes_no_loop(editor_client, client):
    article = ArticleFactory(published=True, slug="first")
    editor_client.post(change_url(article), form_data(article, slug="second"))
    article.refresh_from_db()
    editor_client.post(change_url(article), form_data(article, slug="third"))
    article.refresh_from_db()
    editor_client.post(change_url(article), form_data(article, slug="first"))
    assert set(Redirect.objects.values_list("old_path", "new_path")) == {
        ("/articles/second/", "/articles/first/"),
        ("/articles/third/", "/articles/first/"),
    }
    assert client.get("/articles/first/").status_code == 200


def test_draft_slug_change_makes_no_redirect(editor_client):
    article = ArticleFactory(slug="draft-one")
    editor_client.post(change_url(article), form_data(article, slug="draft-two"))
    assert not Redirect.objects.exists()


def test_revisions_compare_word_by_word(editor_client):
    article = ArticleFactory(body="<p>Rest for one day.</p>")
    editor_client.post(
        change_url(article), form_data(article, body="<p>Rest for two days.</p>")
    )
    newest, oldest = Version.objects.get_for_object(article)[:2]
    history = f"/admin/articles/article/{article.pk}/history/"
    assertContains(editor_client.get(history), "Changed the body")
    compare = editor_client.get(
        f"{history}compare/?version_id1={oldest.pk}&version_id2={newest.pk}"
    )
    assertContains(compare, "<del>one day.</del><ins>two days.</ins>", html=False)
    assertNotContains(compare, "&lt;p&gt;")


def test_restoring_a_revision_of_a_live_article_makes_a_draft(
    editor_client, editor, client
):
    article = ArticleFactory(published=True, body="<p>Live words.</p>")
    editor_client.post(
        change_url(article), form_data(article, body="<p>Draft words.</p>")
    )
    article.refresh_from_db()
    drafted = Version.objects.get_for_object(article.draft).first()
    services.discard_draft(article=article, user=editor)
    url = f"/admin/articles/article/{article.pk}/history/{drafted.pk}/"
    response = editor_client.get(url)
    assertContains(response, "Readers keep seeing the published version")
    assertContains(response, "<del>Live </del><ins>Draft </ins>words.", html=False)
    response = editor_client.post(url, follow=True)
    assertContains(response, "is now the unpublished draft")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.body == "<p>Live words.</p>"
    assert article.draft.body == "<p>Draft words.</p>"
    assertContains(client.get(article.get_absolute_url()), "Live words.")


def test_restoring_an_old_revision_needs_a_new_sign_off(editor_client, reviewer):
    article = ArticleFactory(in_review=True)
    editor_client.post(change_url(article), form_data(article, body="<p>Old.</p>"))
    old = Version.objects.get_for_object(article)[0]
    article.refresh_from_db()
    editor_client.post(change_url(article), form_data(article, body="<p>New.</p>"))
    article.refresh_from_db()
    services.sign_off_article(article=article, user=reviewer)
    assert article.has_current_sign_off
    editor_client.post(f"/admin/articles/article/{article.pk}/history/{old.pk}/")
    article.refresh_from_db()
    assert article.body == "<p>Old.</p>"
    assert not article.has_current_sign_off


def test_reference_links_use_doi_and_pubmed():
    reference = ReferenceFactory(doi="10.1000/abc", pmid="987")
    assert reference.doi_url == "https://doi.org/10.1000/abc"
    assert reference.pubmed_url == "https://pubmed.ncbi.nlm.nih.gov/987/"
