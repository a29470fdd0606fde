"""
The HTML of a comment list, written in Python.

A thread of sixty comments drawn by a template loop costs a template
variable lookup, a filter or a tag call for every attribute of every
comment; written in Python, escaping each value from the row, it costs a
few string operations a comment. The markup is the one the stylesheet and
the tests know:

    <ol class="comment-list">
      <li class="comment [comment--staff] [comment--pending]" id="comment-N">
        <article class="comment__card"> header, body, actions </article>
        [<ol class="comment-list comment-list--replies"> replies </ol>]
      </li>
    </ol>
"""

from django.utils import dateformat, formats, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from clinic.addresses import reverser

REPLIES_OPEN = '<ol class="comment-list comment-list--replies">'


def render_comment_list(rows, *, comments_closed, max_reply_depth, report_options):
    """
    Return the safe HTML of `rows` (see threads.thread_rows): each comment
    with its author, date and text, and for an approved one the reply link
    (when the thread is open and not too deep) and the report form.
    """
    page = _Page(comments_closed, max_reply_depth, report_options)
    parts = ['<ol class="comment-list">']
    for row in rows:
        if row["opens"]:
            parts.append(REPLIES_OPEN)
        parts.append(page.comment(row["comment"]))
        parts.append(row["closes"])
    parts.append("</ol>")
    return mark_safe("".join(parts))  # Each part is escaped or fixed markup.


class _Page:
    """What every comment of one list shares: its words, formats and URLs."""

    def __init__(self, comments_closed, max_reply_depth, report_options):
        self.replies_open = not comments_closed
        self.max_reply_depth = max_reply_depth
        self.report_options = report_options
        self.team = _("Clinic team")
        self.reply_to = _("Reply to %(name)s")
        self.date_format = formats.get_format("DATETIME_FORMAT")
        self.permalink = self._url("comments:permalink")
        self.report_url = self._url("comments:flag")
        self.awaiting = format_html(
            '<div class="comment__awaiting" role="status">'
            "<p><strong>{}</strong></p><p>{}</p></div>",
            _("Your comment is awaiting moderation."),
            _(
                "Only you can see it, in this browser. A moderator reads every "
                "held comment, usually within one working day. Once approved it "
                "appears here for everyone; if it is not, it is not published "
                "and nobody else sees it."
            ),
        )
        self.edited = format_html(
            '<p class="comment__edited">{}</p>', _("Edited by the clinic.")
        )
        self.report = {
            "summary": escape(_("Report")),
            "question": escape(_("What is wrong with this comment?")),
            "send": escape(_("Send report")),
        }

    def _url(self, name):
        # Reversed once a list, not twice a comment.
        url = reverser(name)
        return lambda pk: escape(url(pk))

    def comment(self, comment):
        # Every value from the row goes through escape(); the rest is fixed
        # markup or was made safe once for the whole list.
        approved = comment.status == "approved"
        staff = comment.is_staff_reply
        classes = "comment"
        if staff:
            classes += " comment--staff"
        if not approved:
            classes += " comment--pending"
        name = escape(comment.author_name)
        if comment.author_url and not staff:
            author = (
                f'<a href="{escape(comment.author_url)}" '
                f'rel="nofollow ugc noopener">{name}</a>'
            )
        else:
            author = name
        badge = ""
        if staff:
            team = self.team
            if comment.staff_credentials:
                team = f"{team} · {comment.staff_credentials}"
            badge = f'<span class="comment__badge">{escape(team)}</span>'
        created = timezone.localtime(comment.created_at)
        pk = comment.pk
        parts = [
            f'<li class="{classes}" id="{escape(comment.anchor)}">'
            '<article class="comment__card">'
            f'<header class="comment__header"><span class="comment__author">{author}'
            f'</span>{badge}<a class="comment__date" href="{self.permalink(pk)}">'
            f'<time datetime="{created.isoformat()}">'
            f"{escape(dateformat.format(created, self.date_format))}</time></a>"
            "</header>",
            "" if approved else self.awaiting,
            # Stored escaped (see body_to_html).
            f'<div class="comment__body">{comment.body_html}</div>',
            self.edited if comment.edited_at else "",
        ]
        if approved:
            reply = ""
            if self.replies_open and comment.depth < self.max_reply_depth:
                label = escape(self.reply_to % {"name": comment.author_name})
                href = f"?replyto={pk}#respond"
                reply = f'<a class="comment__reply" href="{href}">{label}</a>'
            parts.append(
                f'<footer class="comment__actions">{reply}'
                f'<details class="comment__report"><summary>{self.report["summary"]}'
                f'</summary><form method="post" action="{self.report_url(pk)}">'
                f'<label for="report-reason-{pk}">{self.report["question"]}</label>'
                f'<select name="reason" id="report-reason-{pk}">{self.report_options}'
                '</select><button class="comment__report-button" type="submit">'
                f"{self.report['send']}</button></form></details></footer>"
            )
        parts.append("</article>")
        return "".join(parts)
