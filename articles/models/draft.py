"""The next version of a live article, written while readers see the last."""

import reversion
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article
from .content import ArticleContent, clean_reference


@reversion.register(
    exclude=(
        "status",
        "publish_at",
        *ArticleContent.SIGN_OFF_FIELDS,
        "review_notes",
        "content_changed_by",
        "content_changed_at",
        "content_changed_fields",
    )
)
class ArticleDraft(ArticleContent):
    """
    Unpublished changes to a live article's content. The article keeps
    serving its signed-off version until this draft is signed off and
    published, which copies it into the article and deletes it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")

    article = models.OneToOneField(
        Article,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="draft",
        verbose_name=_("article"),
    )
    references = models.JSONField(_("references"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Publish this version at this time once it is signed off."),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unpublished changes")
        verbose_name_plural = _("unpublished changes")

    def __str__(self):
        return str(_("Draft of “%(title)s”") % {"title": self.title})

    def save(self, *args, update_fields=None, **kwargs):
        self.canonicalize()
        self.references = [clean_reference(r) for r in self.references]
        if self.review_fingerprint and self.review_fingerprint != self.fingerprint():
            self.void_sign_off()
        if update_fields is not None:
            # The canonical body and a voided sign-off go with the content.
            update_fields = {
                *update_fields,
                "body",
                "references",
                *self.READING_FIELDS,
                *self.SIGN_OFF_FIELDS,
            }
        super().save(*args, update_fields=update_fields, **kwargs)

    def reference_list(self):
        return [clean_reference(r) for r in self.references]

    @property
    def is_scheduled(self):
        return self.publish_at is not None and self.publish_at > timezone.now()


class Autosave(models.Model):
    """
    What an editor typed and has not saved, kept every half minute so a
    crash or a closed tab loses nothing. Never published, never signed off:
    the editor restores it into the form and saves it as usual.
    """

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        related_name="autosaves",
        verbose_name=_("article"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("editor"),
    )
    content = models.JSONField(_("unsaved text"), default=dict)
    saved_at = models.DateTimeField(_("saved at"), auto_now=True)

    #: The form fields an autosave keeps.
    FIELDS = ("title", "summary", "body", "seo_title", "meta_description")

    class Meta:
        verbose_name = _("autosave")
        verbose_name_plural = _("autosaves")
        constraints = (
            models.UniqueConstraint(
                fields=("article", "user"), name="autosave_one_per_editor"
            ),
        )

    def __str__(self):
        return f"{self.article_id}/{self.user_id}"
