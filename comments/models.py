import nh3
import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import urlize
from django.utils.text import normalize_newlines
from django.utils.translation import gettext_lazy as _

from clinic.addresses import (
    is_web_url,
    network_fingerprint,
    validate_web_url,
)
from clinic.pagecache import invalidate_after_commit, kept_until_content_changes


def hash_ip(ip):
    """Return the keyed fingerprint of an IP address's network ("" for none)."""
    return network_fingerprint(ip)


#: How deep replies may nest, whatever the discussion settings say.
MAX_DEPTH = 5
#: The longest comment a reader, a moderator or an import may store.
MAX_LENGTH = 5000


class DiscussionSettings(models.Model):
    """The moderation rules, edited on one page in the admin."""

    manual_approval = models.BooleanField(
        _("hold every comment for approval"),
        default=False,
        help_text=_("Every new comment waits for a moderator."),
    )
    auto_approve_after = models.PositiveSmallIntegerField(
        _("approve authors with this many approved comments"),
        default=1,
        help_text=_(
            "A comment from an email address with at least this many approved "
            "comments is published at once (unless another rule holds it). "
            "0 publishes comments from new authors at once."
        ),
    )
    hold_at_links = models.PositiveSmallIntegerField(
        _("hold at this many links"),
        default=2,
        help_text=_("A comment with this many links or more waits. 0 turns this off."),
    )
    moderation_keywords = models.TextField(
        _("moderation keywords"),
        blank=True,
        help_text=_(
            "One word or phrase per line. A comment containing one in its text, "
            "name, email, website or IP address waits for a moderator."
        ),
    )
    disallowed_keywords = models.TextField(
        _("disallowed keywords"),
        blank=True,
        help_text=_(
            "One word or phrase per line. A comment containing one in its text, "
            "name, email, website or IP address goes straight to the trash."
        ),
    )
    close_after_days = models.PositiveSmallIntegerField(
        _("close comments after (days)"),
        default=0,
        help_text=_("Days after publication. 0 keeps comments open."),
    )
    thread_depth = models.PositiveSmallIntegerField(
        _("reply depth"),
        default=3,
        help_text=_("How deep replies may nest (1 means no replies, at most 5)."),
    )
    comments_per_page = models.PositiveSmallIntegerField(
        _("threads per page"),
        default=20,
        help_text=_("Top-level comments per page; replies stay with their thread."),
    )
    flag_threshold = models.PositiveSmallIntegerField(
        _("reports before a comment is held"),
        default=3,
        help_text=_("When readers report a comment this often it waits again."),
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep personal data for (days)"),
        default=90,
        help_text=_(
            "After this many days IP fingerprints are erased and spam and trash "
            "are deleted."
        ),
    )

    class Meta:
        verbose_name = _("discussion settings")
        verbose_name_plural = _("discussion settings")
        constraints = (
            models.CheckConstraint(
                condition=Q(thread_depth__gte=1, thread_depth__lte=MAX_DEPTH),
                name="discussion_depth_range",
                violation_error_message=_("Reply depth is between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(comments_per_page__gte=1),
                name="discussion_page_size_positive",
                violation_error_message=_("Show at least one thread per page."),
            ),
            models.CheckConstraint(
                condition=Q(retention_days__gte=1),
                name="discussion_retention_positive",
                violation_error_message=_("Keep data for at least one day."),
            ),
        )

    def __str__(self):
        return str(_("Discussion settings"))

    def save(self, *args, **kwargs):
        changed = not self._state.adding
        super().save(*args, **kwargs)
        if changed:
            # Every article page shows them (cached(), below).
            invalidate_after_commit()

    @classmethod
    def load(cls):
        """Return the settings row, created with defaults if missing."""
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    @classmethod
    def cached(cls):
        """
        Return the settings for showing a page: from the cache until public
        content changes (saving them is such a change), else from the
        database.
        """
        return kept_until_content_changes("discussion-settings", cls.load)

    @staticmethod
    def _lines(text):
        return [line.strip().lower() for line in text.splitlines() if line.strip()]

    @property
    def moderation_words(self):
        return self._lines(self.moderation_keywords)

    @property
    def disallowed_words(self):
        return self._lines(self.disallowed_keywords)


def body_to_html(text):
    """
    Return a comment's text as safe HTML: everything escaped, line breaks
    kept, web addresses made into links marked as user content.
    """
    linked = urlize(text, trim_url_limit=60, nofollow=True, autoescape=True)
    linked = linked.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
    return normalize_newlines(linked).replace("\n", "<br>")


#: The inline markup WordPress lets commenters use, kept from imports.
WORDPRESS_TAGS = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "acronym": {"title"},
    "b": set(),
    "blockquote": {"cite"},
    "cite": set(),
    "code": set(),
    "del": {"datetime"},
    "em": set(),
    "i": set(),
    "q": {"cite"},
    "s": set(),
    "strike": set(),
    "strong": set(),
}


def wordpress_body_to_html(text):
    """
    Return an imported WordPress comment as safe HTML: the inline tags
    WordPress allows in comments, sanitized; everything else removed.
    """
    clean = nh3.clean(
        normalize_newlines(text),
        tags=set(WORDPRESS_TAGS),
        attributes=WORDPRESS_TAGS,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
    return clean.strip().replace("\n", "<br>")


class CommentQuerySet(models.QuerySet):
    def approved_q(self, prefix=""):
        """Return the Q for comments readers may see."""
        return Q(**{f"{prefix}status": Comment.Status.APPROVED})

    def approved(self):
        """Return the comments readers may see."""
        return self.filter(self.approved_q())

    def pending(self):
        """Return the comments waiting for a moderator."""
        return self.filter(status=Comment.Status.PENDING)

    def for_article(self, article):
        """Return the comments on `article`."""
        return self.filter(article=article)

    def top_level(self):
        """Return comments that start a thread."""
        return self.filter(parent__isnull=True)


@reversion.register(
    fields=("body", "author_name", "author_url"),
)
class Comment(models.Model):
    MAX_DEPTH = MAX_DEPTH
    MAX_LENGTH = MAX_LENGTH

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        SPAM = "spam", _("Spam")
        TRASH = "trash", _("Trash")

    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("article"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    root = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="thread",
        editable=False,
        verbose_name=_("thread"),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=1, editable=False)
    author_name = models.CharField(_("name"), max_length=80)
    author_email = models.EmailField(_("email"), max_length=254, blank=True)
    author_url = models.URLField(
        _("website"), max_length=300, blank=True, validators=[validate_web_url]
    )
    body = models.TextField(_("comment"), max_length=MAX_LENGTH)
    body_html = models.TextField(_("comment as shown"), blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="comment_replies",
        verbose_name=_("staff author"),
    )
    staff_credentials = models.CharField(
        _("staff credentials"), max_length=160, blank=True, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status,
        default=Status.PENDING,
        editable=False,
    )
    status_reasons = models.JSONField(
        _("reasons for the status"), default=list, blank=True, editable=False
    )
    ip_hash = models.CharField(_("IP fingerprint"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    notify_replies = models.BooleanField(_("email me replies"), default=False)
    submission_key = models.CharField(
        _("form submission key"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
    )
    wordpress_id = models.PositiveBigIntegerField(
        _("WordPress comment ID"), null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    moderated_at = models.DateTimeField(
        _("moderated at"), null=True, blank=True, editable=False
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    edited_at = models.DateTimeField(
        _("edited by the clinic at"), null=True, blank=True, editable=False
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("edited by"),
    )

    objects = CommentQuerySet.as_manager()

    #: What a published thread shows of each comment (see rendering.py):
    #: never the email address, address hash or browser.
    SHOWN_FIELDS = (
        "article",
        "parent",
        "root",
        "depth",
        "author_name",
        "author_url",
        "body_html",
        "user",
        "staff_credentials",
        "status",
        "created_at",
        "edited_at",
    )

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = (("moderate_comment", _("Can moderate comments")),)
        indexes = (
            models.Index(
                fields=("article", "status", "parent", "created_at"),
                name="comment_thread_idx",
            ),
            models.Index(fields=("root", "status"), name="comment_root_idx"),
            models.Index(fields=("status", "-created_at"), name="comment_queue_idx"),
            models.Index(fields=("author_email",), name="comment_email_idx"),
            models.Index(fields=("ip_hash", "created_at"), name="comment_ip_idx"),
            # The admin's list, newest first: read in order, never sorted.
            models.Index(fields=("-created_at",), name="comment_newest_idx"),
        )
        constraints = (
            models.CheckConstraint(
                condition=Q(depth__gte=1, depth__lte=MAX_DEPTH),
                name="comment_depth_range",
            ),
            models.CheckConstraint(
                condition=Q(author_url="")
                | Q(author_url__istartswith="http://")
                | Q(author_url__istartswith="https://"),
                name="comment_author_url_is_web",
            ),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(root__isnull=True) & Q(depth=1))
                | (Q(parent__isnull=False) & Q(root__isnull=False) & Q(depth__gt=1)),
                name="comment_thread_shape",
            ),
        )

    def __str__(self):
        return f"{self.author_name}: {self.body[:50]}"

    def save(self, *args, update_fields=None, **kwargs):
        # Derived here only, and saved whenever their source is.
        self.derive()
        if update_fields is not None:
            update_fields = {*update_fields}
            if "body" in update_fields:
                update_fields.add("body_html")
            if "parent" in update_fields:
                update_fields |= {"root", "depth"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self):
        return reverse("comments:permalink", kwargs={"pk": self.pk})

    def clean(self):
        if self.parent_id and self.parent.article_id != self.article_id:
            raise ValidationError(
                _("A reply must be on the same article."), code="other_article"
            )
        if self.parent_id and self.parent.depth >= self.MAX_DEPTH:
            raise ValidationError(_("Replies cannot nest deeper."), code="too_deep")

    def derive(self):
        """
        Fill the columns save() derives, for a bulk insert: a safe author
        link, the HTML readers get, and the place in the thread (the parent
        may be a comment of the same insert, saved in an earlier one).
        """
        if not is_web_url(self.author_url):
            # From an import or a script: never a javascript: or data: link.
            self.author_url = ""
        self.body_html = (
            wordpress_body_to_html(self.body)
            if self.wordpress_id
            else body_to_html(self.body)
        )
        parent = self.parent
        if parent is None:
            self.root, self.depth = None, 1
        elif parent.pk is not None:
            self.root_id = parent.root_id or parent.pk
            self.depth = parent.depth + 1
        else:
            self.root = parent.root or parent
            self.depth = parent.depth + 1

    @property
    def is_staff_reply(self):
        return self.user_id is not None

    @property
    def anchor(self):
        return f"comment-{self.pk}"


class Flag(models.Model):
    """A reader's report that a comment breaks the rules."""

    class Reason(models.TextChoices):
        PERSONAL_DATA = "personal", _("It shares someone's personal or health data")
        MISINFORMATION = "misinformation", _("It gives harmful medical advice")
        ABUSE = "abuse", _("It is abusive or hateful")
        SPAM = "spam", _("It is spam or advertising")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        related_name="flags",
        verbose_name=_("comment"),
    )
    reporter = models.CharField(_("reporting browser"), max_length=64)
    ip_hash = models.CharField(_("IP fingerprint"), max_length=64, blank=True)
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason, default=Reason.OTHER
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = (models.Index(fields=("ip_hash", "created_at"), name="flag_ip_idx"),)
        constraints = (
            models.UniqueConstraint(
                fields=("comment", "reporter"), name="flag_once_per_browser"
            ),
        )

    def __str__(self):
        return f"Report on comment {self.comment_id}"
