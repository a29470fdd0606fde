import pytest
from django.contrib import admin
from pytest_django.asserts import assertContains

from comments.models import Comment
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_each_row_has_the_checkbox_djangos_widget_would_draw():
    comment = CommentFactory(author_name="Ann <Lee>")
    ours = admin.site._registry[Comment]
    assert ours.action_checkbox(comment) == admin.ModelAdmin.action_checkbox(
        ours, comment
    )


def test_rows_can_be_selected_for_an_action(editor_client):
    article = ArticleFactory(title="Disc care")
    response = editor_client.get("/admin/articles/article/")
    assertContains(
        response,
        f'<input type="checkbox" name="_selected_action" value="{article.pk}" '
        'class="action-select" aria-label="Select this object for an action - '
        'Disc care">',
        html=True,
    )


def fill(rows):
    """`rows` articles, each with a comment, a backlink and a link."""
    from articles.hub.models import Backlink
    from articles.hub.services.links import sync_links

    ArticleFactory(published=True, slug="target")
    sources = []
    for n in range(rows):
        source = ArticleFactory(
            published=True, body='<p><a href="/articles/target/">see</a></p>'
        )
        CommentFactory(article=source)
        Backlink.objects.create(
            source_url=f"https://site{n}.example/post", target_article=source
        )
        sources.append(source)
    sync_links(sources)


@pytest.mark.parametrize("rows", [2, 30])
@pytest.mark.parametrize(
    ("path", "most"),
    [
        ("/admin/articles/article/", 10),
        ("/admin/comments/comment/", 7),
        ("/admin/hub/backlink/", 6),
        ("/admin/hub/link/", 6),
    ],
)
def test_admin_lists_cost_the_same_queries_for_few_rows_and_many(
    client, admin_user, rows, path, most, django_assert_max_num_queries
):
    fill(rows)
    client.force_login(admin_user)
    with django_assert_max_num_queries(most):
        response = client.get(path)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= rows
