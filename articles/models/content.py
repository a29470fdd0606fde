"""
What a medical sign-off vouches for, shared by the live article and its
draft: the content fields, the sign-off itself, and who last changed it.
"""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_ckeditor_5.fields import CKEditor5Field

from clinic.addresses import is_web_url

from .. import readability
from ..richtext import cut_text, sanitize_html, text_summary
from .media import Image
from .people import Person

#: The keys of one reference, in the order readers see them.
REFERENCE_KEYS = ("citation", "url", "doi", "pmid")


class ArticleContent(models.Model):
    """
    The fields readers see as medical content. A change to any of them
    needs a new medical sign-off before it goes live.
    """

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_(
            "One or two sentences shown in lists and search results. Left "
            "empty, the start of the body is used."
        ),
    )
    body = CKEditor5Field(_("body"), blank=True)
    featured_image = models.ForeignKey(
        Image,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("featured image"),
    )
    featured_image_alt = models.CharField(
        _("featured image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describe what the picture shows for readers who cannot see it."),
    )
    featured_image_is_decorative = models.BooleanField(
        _("featured image is decorative"),
        default=False,
        help_text=_("Tick only if the picture adds nothing a reader would miss."),
    )
    seo_title = models.CharField(
        _("SEO title"),
        max_length=70,
        blank=True,
        help_text=_("The title search engines show. Left empty, the title is used."),
    )
    meta_description = models.CharField(
        _("meta description"),
        max_length=160,
        blank=True,
        help_text=_(
            "The snippet search engines show. Left empty, the summary is used."
        ),
    )

    reviewed_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("medically reviewed by"),
    )
    reviewer_name = models.CharField(
        _("reviewer's name at sign-off"), max_length=120, blank=True, editable=False
    )
    reviewer_credentials = models.CharField(
        _("reviewer's credentials at sign-off"),
        max_length=160,
        blank=True,
        editable=False,
    )
    reviewed_own_edit = models.BooleanField(
        _("signed off by its own editor"),
        default=False,
        editable=False,
        help_text=_("Only possible when the four-eyes rule is turned off."),
    )
    last_reviewed = models.DateField(
        _("last medical review"), null=True, blank=True, editable=False
    )
    review_fingerprint = models.CharField(
        _("reviewed content fingerprint"),
        max_length=64,
        blank=True,
        editable=False,
    )
    review_notes = models.TextField(
        _("reviewer's notes"),
        blank=True,
        editable=False,
        help_text=_("Why a reviewer sent this version back."),
    )
    reading_reason = models.TextField(
        _("why it was signed off above the target grade"),
        blank=True,
        editable=False,
    )
    reading_grade = models.FloatField(
        _("reading grade"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Flesch-Kincaid grade of the body: US school years."),
    )
    reading = models.JSONField(
        _("reading figures"), default=dict, blank=True, editable=False
    )
    content_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("content last changed by"),
    )
    content_changed_at = models.DateTimeField(
        _("content last changed at"), null=True, blank=True, editable=False
    )
    content_changed_fields = models.JSONField(
        _("fields last changed"), default=list, blank=True, editable=False
    )

    #: The fields a medical sign-off vouches for, with the references.
    SIGNED_FIELDS = (
        "title",
        "summary",
        "body",
        "seo_title",
        "meta_description",
        "featured_image",
        "featured_image_alt",
        "featured_image_is_decorative",
    )
    #: The sign-off, as record_sign_off() writes it.
    SIGN_OFF_FIELDS = (
        "reviewed_by",
        "reviewer_name",
        "reviewer_credentials",
        "reviewed_own_edit",
        "last_reviewed",
        "review_fingerprint",
        "reading_reason",
    )
    #: What canonicalize() derives from the body.
    READING_FIELDS = ("reading_grade", "reading")

    #: What a version carries from one row to the other: its content, the
    #: sign-off of that content, and how hard it reads.
    VERSION_FIELDS = (*SIGNED_FIELDS, *SIGN_OFF_FIELDS, *READING_FIELDS)

    class Meta:
        abstract = True

    def clean(self):
        if (
            self.featured_image_id
            and not self.featured_image_alt.strip()
            and not self.featured_image_is_decorative
        ):
            raise ValidationError(
                {
                    "featured_image_alt": _(
                        "Describe the featured image, or tick “decorative” if "
                        "it adds nothing a reader would miss."
                    )
                },
                code="alt_required",
            )

    @classmethod
    def field_label(cls, field):
        """Name a signed field (or "references") as editors see it."""
        if field == "references":
            return _("references")
        return cls._meta.get_field(field).verbose_name

    def canonicalize(self):
        """
        Store the body in the form the editor sends back (so unchanged text
        compares equal), measure how hard it is to read, and take a summary
        from it when none was written. Return the body's plain text.
        """
        self.body = sanitize_html(self.body)
        reading = readability.measure(self.body)
        self.reading = reading.as_dict() if reading else {}
        self.reading_grade = reading.grade if reading else None
        text = text_summary(self.body, limit=None)
        if not self.summary.strip():
            self.summary = cut_text(text)
        return text

    def reference_list(self):
        """Return the references as a list of dicts (REFERENCE_KEYS)."""
        raise NotImplementedError

    def signed_content(self):
        """Return what a sign-off vouches for, as a dict of plain values."""
        content = {
            field: getattr(
                self, "featured_image_id" if field == "featured_image" else field
            )
            for field in self.SIGNED_FIELDS
        }
        content["references"] = self.reference_list()
        return content

    def fingerprint(self):
        """
        Return a hash of the content a medical sign-off vouches for. The
        body is hashed as stored: save() keeps it in its canonical form.
        """
        content = json.dumps(self.signed_content(), sort_keys=True, default=str)
        return hashlib.sha256(content.encode()).hexdigest()

    @property
    def has_current_sign_off(self):
        """True when a reviewer signed off exactly the current content."""
        return bool(
            self.reviewed_by_id
            and self.review_fingerprint
            and self.review_fingerprint == self.fingerprint()
        )

    def void_sign_off(self):
        """Forget the medical sign-off."""
        for field in self.SIGN_OFF_FIELDS:
            setattr(self, field, self._meta.get_field(field).get_default())
        self.reviewed_by = None
        self.last_reviewed = None

    @property
    def reading_level_label(self):
        """The reading grade as readers are told it, or "" without one."""
        grade = self.reading_grade
        if grade is None:
            return ""
        if grade < 1:
            return _("very easy")
        if grade >= 13:
            return _("college level")
        return _("school grade %(grade)d") % {"grade": round(grade)}

    def above_target_grade(self, target):
        """True when the body reads above school grade `target`."""
        return self.reading_grade is not None and self.reading_grade > target

    @property
    def sign_off_label(self):
        """The sign-off as readers see it: name, credentials."""
        if not self.reviewer_name:
            return ""
        if self.reviewer_credentials:
            return f"{self.reviewer_name}, {self.reviewer_credentials}"
        return self.reviewer_name


def clean_reference(data):
    """
    Return one reference as a dict of REFERENCE_KEYS, strings only; a URL
    that is not http(s) is dropped.
    """
    reference = {key: str(data.get(key) or "").strip() for key in REFERENCE_KEYS}
    if "url" in reference and not is_web_url(reference["url"]):
        reference["url"] = ""
    return reference
