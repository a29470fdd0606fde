"""
The Backlinks Hub's records: links found in article bodies, outside pages
that link to our articles, and the health of the outside addresses we link to.
"""

from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from clinic.addresses import validate_web_url


class LinkQuerySet(models.QuerySet):
    def internal(self):
        """Return links to pages of this site (resolved or not)."""
        return self.filter(is_internal=True)

    def external(self):
        """Return links to other sites."""
        return self.filter(is_internal=False)

    def broken_internal(self):
        """
        Return internal links from published articles whose target is
        missing, unpublished or archived.
        """
        return (
            self.internal()
            .filter(source__in=Article.objects.published())
            .exclude(target_article__in=Article.objects.published())
        )


class Link(models.Model):
    """A link found in an article's body."""

    source = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="outbound_links",
        verbose_name=_("linking article"),
    )
    target_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_links",
        verbose_name=_("linked article"),
    )
    url = models.CharField(
        _("address"),
        max_length=2000,
        blank=True,
        help_text=_("The address, when it is not one of our articles."),
    )
    is_internal = models.BooleanField(_("points at this site"), default=False)
    anchor_text = models.CharField(_("link text"), max_length=500, blank=True)
    rel = models.CharField(_("rel"), max_length=100, blank=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        # The tables kept their names when the models moved to this app.
        db_table = "articles_link"
        ordering = ("source", "pk")
        verbose_name = _("link")
        verbose_name_plural = _("links")
        indexes = (
            models.Index(fields=("target_article", "source"), name="link_target_idx"),
            models.Index(fields=("url",), name="link_url_idx"),
        )
        constraints = (
            models.CheckConstraint(
                condition=(Q(target_article__isnull=False) & Q(url=""))
                | (Q(target_article__isnull=True) & ~Q(url="")),
                name="link_has_one_target",
            ),
            models.CheckConstraint(
                condition=Q(target_article__isnull=True) | Q(is_internal=True),
                name="link_to_article_is_internal",
            ),
        )

    def __str__(self):
        target = self.target_article or self.url
        return f"{self.source} → {target}"

    @property
    def key(self):
        """What makes two links the same when a body is re-read."""
        return (self.target_article_id, self.url, self.anchor_text, self.rel)


class BacklinkQuerySet(models.QuerySet):
    def public_q(self, prefix=""):
        """Return the Q for backlinks readers may see."""
        return Q(
            **{
                f"{prefix}status": Backlink.Status.VERIFIED,
                f"{prefix}is_approved": True,
            }
        )

    def public(self):
        """Return verified, approved backlinks to published articles."""
        return self.filter(self.public_q()).filter(
            target_article__in=Article.objects.published()
        )

    def due_for_check(self):
        """Return the backlinks verification should look at again."""
        return self.exclude(status=Backlink.Status.REJECTED)


class Backlink(models.Model):
    """An outside page that links to one of our articles."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        VERIFIED = "verified", _("Verified")
        LOST = "lost", _("Lost")
        REJECTED = "rejected", _("Rejected")

    class Via(models.TextChoices):
        ADMIN = "admin", _("Added by an editor")
        CSV = "csv", _("CSV import")
        WEBMENTION = "webmention", _("Webmention")
        WORDPRESS = "wordpress", _("WordPress pingback")

    source_url = models.URLField(
        _("linking page"),
        max_length=2000,
        validators=[validate_web_url],
        help_text=_("The outside page that links to the article."),
    )
    target_article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="backlinks",
        verbose_name=_("article"),
    )
    referring_domain = models.CharField(
        _("referring domain"), max_length=255, editable=False, db_index=True
    )
    anchor_text = models.CharField(_("link text"), max_length=500, blank=True)
    is_nofollow = models.BooleanField("nofollow", default=False)
    is_ugc = models.BooleanField("ugc", default=False)
    is_sponsored = models.BooleanField("sponsored", default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING
    )
    is_approved = models.BooleanField(
        _("approved for the public hub"),
        default=False,
        help_text=_("Only approved, verified backlinks are shown to readers."),
    )
    via = models.CharField(_("source"), max_length=12, choices=Via, default=Via.ADMIN)
    check_note = models.CharField(_("last check"), max_length=300, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    objects = BacklinkQuerySet.as_manager()

    class Meta:
        # The tables kept their names when the models moved to this app.
        db_table = "articles_backlink"
        ordering = ("-created_at",)
        verbose_name = _("backlink")
        verbose_name_plural = _("backlinks")
        constraints = (
            models.UniqueConstraint(
                fields=("source_url", "target_article"),
                name="backlink_unique_source_target",
                violation_error_message=_(
                    "This page is already recorded as linking to this article."
                ),
            ),
        )
        indexes = (
            models.Index(
                fields=("status", "is_approved", "referring_domain"),
                name="backlink_public_idx",
            ),
            models.Index(
                fields=("target_article", "status"), name="backlink_target_idx"
            ),
            # The admin's list, newest first: read in order, never sorted.
            models.Index(fields=("-created_at",), name="backlink_newest_idx"),
            models.Index(
                fields=("referring_domain", "status", "is_approved", "-last_seen_at"),
                name="backlink_domain_idx",
            ),
        )

    def __str__(self):
        return f"{self.source_url} → {self.target_article}"

    def save(self, *args, update_fields=None, **kwargs):
        host = (urlsplit(self.source_url).hostname or "").lower()
        self.referring_domain = host.removeprefix("www.")
        if update_fields is not None and "source_url" in update_fields:
            update_fields = {*update_fields, "referring_domain"}
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def rel(self):
        """The rel values the linking page used, as one string."""
        flags = {
            "nofollow": self.is_nofollow,
            "ugc": self.is_ugc,
            "sponsored": self.is_sponsored,
        }
        return " ".join(name for name, on in flags.items() if on)


class LinkCheckQuerySet(models.QuerySet):
    def due(self, now=None):
        """Return the checks whose next run has come (or never ran)."""
        now = now or timezone.now()
        return self.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))

    def broken(self):
        """Return URLs found broken that no editor marked as fine."""
        return self.filter(status=LinkCheck.Status.BROKEN, is_ignored=False)


class LinkCheck(models.Model):
    """The health of one outside URL that our articles link to."""

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        OK = "ok", _("Working")
        RETRYING = "retrying", _("Failing, retrying")
        BROKEN = "broken", _("Broken")

    url = models.CharField(_("address"), max_length=2000, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.UNCHECKED
    )
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True)
    final_url = models.CharField(_("final address"), max_length=2000, blank=True)
    redirects = models.JSONField(_("redirects followed"), default=list, blank=True)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_ignored = models.BooleanField(
        _("marked as not broken"),
        default=False,
        help_text=_("An editor checked the link by hand; the report leaves it out."),
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)

    objects = LinkCheckQuerySet.as_manager()

    class Meta:
        # The tables kept their names when the models moved to this app.
        db_table = "articles_linkcheck"
        ordering = ("url",)
        verbose_name = _("outbound link check")
        verbose_name_plural = _("outbound link checks")
        indexes = (
            models.Index(fields=("status", "is_ignored"), name="linkcheck_status_idx"),
            models.Index(fields=("next_check_at",), name="linkcheck_due_idx"),
        )

    def __str__(self):
        return self.url
