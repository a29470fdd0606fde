import pytest
from django.core.management import call_command

from tests.helpers import serious_accessibility_issues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KYPHOPLASTY = "/articles/kyphoplasty-vertebral-compression-fractures/"


@pytest.fixture
def demo(settings, shipped_glossary):
    settings.CLINIC_PAGE_CACHE_SECONDS = 0
    call_command("load_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/articles/",
        KYPHOPLASTY,
        "/search/?q=vertebroplasty",
        "/categories/spine-conditions/",
        "/hub/",
    ],
)
def test_public_pages_have_no_serious_accessibility_issue(browser_page, demo, path):
    browser_page.goto(path)
    assert serious_accessibility_issues(browser_page) == []


@pytest.mark.parametrize(
    ("name", "width", "height"), [("phone", 390, 844), ("desktop", 1280, 900)]
)
def test_article_fits_phone_and_desktop(
    browser_page, demo, tmp_path, name, width, height
):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(KYPHOPLASTY)
    page.screenshot(path=tmp_path / f"article-{name}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
            .filter(el => !el.parentElement.closest('figure.table'))
            .map(el => el.tagName + '.' + el.className)"""
    )
    assert wide == []
    assert page.locator("h1").count() == 1


def test_skip_link_moves_focus_to_the_content(browser_page, demo):
    page = browser_page
    page.goto(KYPHOPLASTY)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_search_box_suggests_titles_and_the_keyboard_picks_one(browser_page, demo):
    page = browser_page
    page.goto("/")
    box = page.get_by_role("combobox", name="Search articles")
    box.fill("kyph")
    option = page.get_by_role("option", name="Benefits of Kyphoplasty", exact=False)
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert serious_accessibility_issues(page) == []
    page.keyboard.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{KYPHOPLASTY}")
    # Escape closes the list, and Enter then searches as before.
    box = page.get_by_role("combobox", name="Search articles")
    box.fill("back")
    page.get_by_role("listbox").wait_for()
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=back")


def test_a_terms_meaning_shows_on_keyboard_focus_and_hover(browser_page, demo):
    page = browser_page
    page.goto(KYPHOPLASTY)
    term = page.locator(".article__body dfn").first
    meaning = page.locator(".article__body .term__meaning").first
    assert meaning.bounding_box()["width"] <= 1  # Hidden until asked for.
    description = page.evaluate(
        """() => {
            const dfn = document.querySelector('.article__body dfn');
            return document.getElementById(dfn.getAttribute('aria-describedby'))
                .textContent.trim();
        }"""
    )
    assert "A break in one of the bones of the spine" in description
    term.focus()
    assert meaning.bounding_box()["width"] > 100
    assert meaning.is_visible()
    page.keyboard.press("Escape")  # Closes, as a tooltip should.
    assert meaning.bounding_box()["width"] <= 1
    term.blur()
    term.focus()
    assert meaning.bounding_box()["width"] > 100
    page.keyboard.press("Tab")  # Focus moves on: the meaning hides again.
    page.mouse.move(0, 0)
    assert meaning.bounding_box()["width"] <= 1
    term.hover()
    assert meaning.bounding_box()["width"] > 100
