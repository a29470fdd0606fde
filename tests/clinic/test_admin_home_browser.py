"""Each demo role logs in and finds its own panels on the admin home."""

import pytest
from django.core.management import call_command

from tests.helpers import serious_accessibility_issues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: What the demo content puts in each role's panels.
EXPECTED = {
    "editor": {
        "drafts": ("1", "Returning to Work After a Back Injury"),
        "sent-back": ("1", "Bone Density Scans: What to Expect"),
        "scheduled": ("1", "Radiofrequency Ablation for Facet Joint Pain"),
        "backlinks-awaiting": ("1", "communityclinic.example"),
        "broken-links": ("0", "No outside link is broken."),
    },
    "reviewer": {
        "awaiting-review": ("1", "Sleeping Positions That Ease Neck Pain"),
        "review-overdue": ("1", "Gentle Exercises for Lower Back Pain"),
        "review-due": ("1", "Preparing for an Epidural Steroid Injection"),
    },
    "moderator": {
        "pending-comments": ("2", "Priya Raman on"),
        "reported-comments": ("1", "Dale Pruitt on"),
    },
}


@pytest.fixture
def demo(settings):
    call_command("load_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"demo-{username}-pass")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_lands_on_its_panels(browser_page, demo, role, tmp_path):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, role)
    assert page.url.endswith("/admin/")
    for key, (count, text) in EXPECTED[role].items():
        panel = page.locator(f"#panel-{key}")
        assert panel.locator(".home-panel__count").inner_text() == count, key
        assert text in panel.inner_text(), key
    shown = page.eval_on_selector_all(".home-panel", "els => els.map(e => e.id)")
    assert set(shown) >= {f"panel-{key}" for key in EXPECTED[role]}
    if role == "moderator":
        assert "panel-drafts" not in shown
    # The sections list stays under the panels.
    assert page.locator(
        "#content-main .app-articles, #content-main .app-comments"
    ).count()
    page.screenshot(path=tmp_path / f"home-{role}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_accessibility_issues(page) == []


def test_a_panel_row_opens_the_article(browser_page, demo):
    page = browser_page
    log_in(page, "editor")
    page.locator("#panel-sent-back a", has_text="Bone Density Scans").click()
    page.wait_for_selector("#article_form")
    assert (
        page.locator("#id_title").input_value() == "Bone Density Scans: What to Expect"
    )


@pytest.mark.parametrize(
    ("role", "path", "heading"),
    [
        ("moderator", "/admin/articles/article/add/", "You cannot do this"),
        ("editor", "/admin/articles/article/999999/history/", "Page not found"),
    ],
)
def test_refusals_inside_the_admin_look_like_the_admin(
    browser_page, demo, role, path, heading, tmp_path
):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, role)
    response = page.goto(path)
    assert response.status in (403, 404)
    assert page.locator("#site-name").inner_text() == "Riverside Spine & Pain Clinic"
    assert page.locator("h1").inner_text() == heading
    page.screenshot(path=tmp_path / f"refused-{role}.png")
    page.get_by_role("link", name="Back to the admin home").click()
    page.wait_for_selector(".home-panels")


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("moderator", "/admin/comments/comment/"),
        ("editor", "/admin/articles/article/"),
        ("editor", "/admin/articles/article/add/"),
        ("editor", "article"),
    ],
)
def test_the_work_pages_fit_a_laptop_and_pass_axe(browser_page, demo, role, path):
    from articles.models import Article

    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, role)
    if path == "article":
        kyphoplasty = Article.objects.get(
            slug="kyphoplasty-vertebral-compression-fractures"
        )
        path = f"/admin/articles/article/{kyphoplasty.pk}/change/"
    page.goto(path)
    # Nothing wider than the screen, the lists' scrolling boxes included.
    wide = page.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll(
                '.results, .inline-group, fieldset')]
            .filter(el => el.scrollWidth > el.clientWidth + 4)
            .map(el => el.tagName + '.' + el.className)"""
    )
    assert wide == []
    assert serious_accessibility_issues(page) == []
