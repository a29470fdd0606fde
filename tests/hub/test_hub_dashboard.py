import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains

from articles.hub.models import Backlink, LinkCheck
from articles.hub.services.dashboard import hub_dashboard
from articles.hub.services.links import sync_article_links
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub_data():
    now = timezone.now()
    linked = ArticleFactory(published=True, slug="linked", title="Well linked")
    ArticleFactory(published=True, slug="alone", title="Lonely orphan")
    ArticleFactory(slug="hidden", title="Hidden draft")
    source = ArticleFactory(
        published=True,
        title="Source piece",
        body=(
            '<a href="/articles/linked/">a</a><a href="/articles/hidden/">b</a>'
            '<a href="https://dead.example/x">c</a>'
        ),
    )
    sync_article_links(article=source)
    LinkCheck.objects.create(url="https://dead.example/x", status="broken", note="404")
    for n, status in enumerate(["verified", "verified", "lost", "pending"]):
        Backlink.objects.create(
            source_url=f"https://site{n % 2}.example/{n}",
            target_article=linked,
            status=status,
            is_approved=True,
            first_seen_at=now - timezone.timedelta(weeks=n),
            last_checked_at=now,
        )
    return now


def test_dashboard_figures(hub_data):
    figures = hub_dashboard(now=hub_data)
    assert figures["by_status"] == {"verified": 2, "lost": 1, "pending": 1}
    assert sum(figures["new_per_week"]) == 4
    assert figures["new_per_week"][-1] >= 1
    assert sum(figures["lost_per_week"]) == 1
    assert [row["referring_domain"] for row in figures["top_domains"]] == [
        "site0.example",
        "site1.example",
    ]
    assert [c.url for c in figures["broken_outbound"]] == ["https://dead.example/x"]
    orphans = {a.title for a in figures["orphans"]}
    assert "Lonely orphan" in orphans
    assert "Well linked" not in orphans
    assert [link.target_article.title for link in figures["broken_internal"]] == [
        "Hidden draft"
    ]


def test_dashboard_page_draws_an_svg_chart(editor_client, hub_data):
    response = editor_client.get("/admin/hub/backlink/dashboard/")
    assertContains(response, "<svg")
    assertContains(response, "<rect", count=24)
    assertContains(response, "Lonely orphan")
    assertContains(response, "https://dead.example/x")
    html = response.content.decode()
    start = html.index('<svg role="img"')
    chart = html[start : html.index("</svg>", start)]
    assert "<script" not in chart
    assert ": 1 lost</title>" in chart


def test_moderator_cannot_see_the_dashboard(moderator_client):
    response = moderator_client.get("/admin/hub/backlink/dashboard/")
    assert response.status_code == 403


@pytest.mark.parametrize("orphans", [3, 60])
def test_the_dashboard_lists_fifty_orphans_and_links_to_all_of_them(
    editor_client, orphans, django_assert_max_num_queries
):
    ArticleFactory.create_batch(orphans, published=True)
    # The same queries for 3 orphans and for 60.
    with django_assert_max_num_queries(22):
        response = editor_client.get("/admin/hub/backlink/dashboard/")
    figures = response.context["figures"]
    assert len(figures["orphans"]) == min(orphans, 50)
    assert figures["orphan_count"] == orphans
    if orphans > 50:
        assertContains(response, f"See all {orphans} orphan articles")
    listed = editor_client.get("/admin/articles/article/", {"linked": "orphan"})
    assert listed.context["cl"].result_count == orphans
