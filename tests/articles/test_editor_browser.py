import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import CategoryFactory, image_bytes
from tests.helpers import item, wxr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username, password="pw-for-tests-1"):
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def test_editor_writes_reviewer_signs_off_and_it_is_published(
    browser_page, editor, reviewer, tmp_path
):
    page = browser_page
    CategoryFactory(name="Fractures", slug="fractures")
    picture = tmp_path / "spine-model.png"
    picture.write_bytes(image_bytes("PNG", size=(800, 600)))

    log_in(page, "editor")
    page.goto("/admin/articles/article/add/")
    page.fill("#id_title", "Walking after a spinal fracture")

    editable = page.locator(".ck-editor__editable")
    editable.click()
    page.click(".ck-heading-dropdown button")
    page.click(".ck-heading_heading2")
    page.keyboard.type("Your first week")
    page.keyboard.press("Enter")
    page.keyboard.type("Read about osteoporosis first.")
    page.wait_for_selector(".ck-editor__editable p >> text=osteoporosis first.")
    # A new paragraph for the image, inserted where the caret is.
    page.keyboard.press("Enter")
    with page.expect_response("**/editor/upload-image/") as upload:
        page.locator(".ck-toolbar input[type=file]").first.set_input_files(picture)
    assert upload.value.status == 200
    page.wait_for_selector(".ck-editor__editable img[src*='/media/images/']")
    page.click(".ck-editor__editable img")
    page.click("button[data-cke-tooltip-text='Change image text alternative']")
    page.keyboard.type("A model of the lower spine")
    page.keyboard.press("Enter")
    page.wait_for_selector(".ck-editor__editable img[alt='A model of the lower spine']")
    # Last, link the end of the sentence: nothing typed afterwards can land
    # on a selection.
    editable.locator("p").first.click()
    page.keyboard.press("End")
    page.keyboard.down("Shift")
    for _ in range(len("osteoporosis first.")):
        page.keyboard.press("ArrowLeft")
    page.keyboard.up("Shift")
    page.keyboard.press("Control+k")
    # The link form opens with the focus in its URL field.
    page.wait_for_selector(".ck-balloon-panel_visible input:focus")
    page.keyboard.type("https://bones.example/osteoporosis")
    page.keyboard.press("Enter")
    page.wait_for_selector(
        ".ck-editor__editable a[href='https://bones.example/osteoporosis']"
    )

    page.select_option("#id_category", label="Fractures")
    page.click("input[name=_continue]")
    page.wait_for_selector("input[name=_workflow_submit]")
    page.click("input[name=_workflow_submit]")
    page.wait_for_selector(".messagelist")
    article = Article.objects.get()
    assert article.status == Article.Status.IN_REVIEW

    log_in(page, "reviewer")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.click("input[name=_workflow_sign_off]")
    page.wait_for_selector(".messagelist >> text=Signed off")
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.click("input[name=_workflow_publish]")
    page.wait_for_selector(".messagelist >> text=Published")

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.reviewed_by == reviewer.person
    assert "<h2>Your first week</h2>" in article.body
    assert 'href="https://bones.example/osteoporosis"' in article.body
    assert 'rel="noopener"' in article.body
    assert '<img src="/media/images/' in article.body
    assert 'alt="A model of the lower spine"' in article.body
    page.goto(article.get_absolute_url())
    assert page.locator("h1").inner_text() == "Walking after a spinal fracture"


def test_saving_unchanged_articles_in_the_editor_keeps_their_sign_off(
    browser_page, settings, tmp_path
):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    call_command("load_demo", force=True, stdout=io.StringIO())
    classic = (
        "Rest for a day or two.\n\nThen walk a little more each day,\n"
        "as far as is comfortable.\n\n<ul>\n<li>Ice</li>\n<li>Heat</li>\n</ul>\n"
        "<blockquote>Walk, do not run.</blockquote>\nAfter the quote\nnext line."
        "\n<h5>Small heading</h5>\nLast words."
    )
    export = tmp_path / "export.xml"
    export.write_text(wxr([item(7, "Back strain", "back-strain", "publish", classic)]))
    call_command(
        "import_wordpress",
        str(export),
        reviewed_by="dr-rafael-reyes",
        stdout=io.StringIO(),
    )
    signed = [a for a in Article.objects.all() if a.has_current_sign_off]
    assert len(signed) >= 6
    assert "back-strain" in {a.slug for a in signed}

    log_in(browser_page, "editor", "demo-editor-pass")
    for article in signed:
        browser_page.goto(f"/admin/articles/article/{article.pk}/change/")
        browser_page.wait_for_function(
            "document.querySelector('.ck-editor__editable')?.ckeditorInstance"
        )
        browser_page.click("input[name=_continue]")
        browser_page.wait_for_selector(".messagelist")
        saved = Article.objects.get(pk=article.pk)
        assert saved.has_current_sign_off, article.slug
        assert saved.status == article.status, article.slug


def test_the_choosers_insert_a_library_image_and_a_link_to_an_article(
    browser_page, editor, tmp_path
):
    from django.core.files.base import ContentFile

    from articles.hub.models import Link
    from tests.factories import ArticleFactory, ImageFactory

    page = browser_page
    category = CategoryFactory(name="Fractures", slug="fractures")
    target = ArticleFactory(
        published=True, title="Understanding osteoporosis", slug="osteoporosis"
    )
    ArticleFactory(title="A draft nobody may link yet")
    photo = ImageFactory(
        title="Spine model, side view",
        file=ContentFile(image_bytes("JPEG", size=(2400, 1600)), name="spine.jpg"),
    )
    ImageFactory(title="Unrelated picture")

    log_in(page, "editor")
    page.goto("/admin/articles/article/add/")
    page.fill("#id_title", "Bones after sixty")
    page.select_option("#id_category", value=str(category.pk))
    page.locator(".ck-editor__editable").click()
    page.keyboard.type("Bone strength changes with age. ")

    # A picture from the library, found by searching its title.
    page.get_by_role("button", name="Insert an image from the library").click()
    dialog = page.get_by_role("dialog", name="Insert an image from the library")
    dialog.get_by_label("Search").fill("side view")
    expect(dialog.get_by_role("button", name=re.compile("Unrelated"))).to_have_count(0)
    page.screenshot(path=tmp_path / "image-chooser.png")
    dialog.get_by_role("button", name="Spine model, side view (2400 × 1600)").click()
    page.wait_for_selector(f".ck-editor__editable img[src='{photo.file.url}']")

    # A link to a published article, at the caret: its title becomes the words.
    page.locator(".ck-editor__editable p").first.click()
    page.keyboard.press("End")
    page.get_by_role("button", name="Link to an article").click()
    dialog = page.get_by_role("dialog", name="Link to an article")
    dialog.get_by_label("Search").fill("draft")
    dialog.get_by_text("Nothing matches.").wait_for()
    dialog.get_by_label("Search").fill("osteo")
    dialog.get_by_role("button", name="Understanding osteoporosis").click()
    page.wait_for_selector(".ck-editor__editable a[href='/articles/osteoporosis/']")

    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    article = Article.objects.get(title="Bones after sixty")
    assert f'src="{photo.file.url}"' in article.body
    assert (
        '<a href="/articles/osteoporosis/">Understanding osteoporosis</a>'
        in article.body
    )
    # The link graph reads it as a link to the article.
    assert Link.objects.filter(source=article, target_article=target).exists()
    # Readers get the renditions, not the 2400-pixel original.
    assert "<picture>" in article.body_html
    assert " 960w" in article.body_html
    assert f'src="{photo.file.url}"' not in article.body_html
