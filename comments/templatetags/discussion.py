from django import template

from comments.models import DiscussionSettings
from comments.rendering import render_comment_list

register = template.Library()


@register.simple_tag
def retention_days():
    """Return the days IP fingerprints and old spam are kept."""
    return DiscussionSettings.cached().retention_days


@register.simple_tag(takes_context=True)
def comment_list(context, rows):
    """The comment list of `rows` (see comments.rendering)."""
    return render_comment_list(
        rows,
        comments_closed=context.get("comments_closed", False),
        max_reply_depth=context.get("max_reply_depth", 0),
        report_options=context.get("report_options", ""),
    )
