"""The comments' panels on the admin home (see clinic.home)."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from clinic.home import Panel, Row, first_rows

from .models import Comment, Flag


def panels(user):
    if not (
        user.has_perm("comments.moderate_comment")
        and user.has_perm("comments.view_comment")
    ):
        return []
    return moderator_panels()


def moderator_panels():
    """Comments waiting for a moderator, and approved comments readers reported."""
    url = reverse("admin:comments_comment_changelist")

    def comments(where, order):
        return first_rows(
            Comment.objects.filter(where)
            .select_related("article")
            .only("author_name", "body", "created_at", "article__title")
            .order_by(*order)
        )

    def rows(found):
        return [
            Row(
                _("%(name)s on “%(title)s”")
                % {"name": comment.author_name, "title": comment.article.title},
                reverse("admin:comments_comment_change", args=[comment.pk]),
                comment.body[:120],
            )
            for comment in found
        ]

    pending, pending_count = comments(
        Q(status=Comment.Status.PENDING), ("created_at", "pk")
    )
    reported, reported_count = comments(
        Q(status=Comment.Status.APPROVED)
        & Q(Exists(Flag.objects.filter(comment=OuterRef("pk")))),
        ("-created_at", "-pk"),
    )
    return [
        Panel(
            "pending-comments",
            _("Comments awaiting moderation"),
            _("No comment is waiting."),
            f"{url}?status=pending",
            rows(pending),
            pending_count,
        ),
        Panel(
            "reported-comments",
            _("Published comments readers reported"),
            _("No published comment is reported."),
            f"{url}?status=approved&reported=yes",
            rows(reported),
            reported_count,
        ),
    ]
