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
