"""Settings of the clinic that editors change."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clinic.addresses import validate_link
from clinic.pagecache import invalidate_after_commit, kept_until_content_changes


class SiteConfiguration(models.Model):
    """The clinic's settings that editors change: one row."""

    cta_heading = models.CharField(
        _("call-to-action heading"),
        max_length=120,
        default=_("Speak with a spine specialist"),
    )
    cta_text = models.TextField(
        _("call-to-action text"),
        default=_(
            "Our specialists can tell you whether this treatment fits your "
            "situation. Appointments usually within a week."
        ),
    )
    cta_button = models.CharField(
        _("call-to-action button"), max_length=60, default=_("Book a consultation")
    )
    cta_url = models.CharField(
        _("call-to-action link"),
        max_length=300,
        default="/contact/",
        validators=[validate_link],
        help_text=_(
            "Where the button leads: a page of this site (/contact/) or a full "
            "web address (https://…)."
        ),
    )

    class OverdueReview(models.TextChoices):
        KEEP = "keep", _("Show the date it was due")
        HIDE = "hide", _("Show no next-review date")
        IN_PROGRESS = "in_progress", _("Say that a review is in progress")

    overdue_review = models.CharField(
        _("when a medical review is overdue"),
        max_length=12,
        choices=OverdueReview,
        default=OverdueReview.KEEP,
        help_text=_(
            "What an article page says under “Medically reviewed by” once "
            "its next review date has passed."
        ),
    )

    target_grade = models.PositiveSmallIntegerField(
        _("target reading grade"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(16)],
        help_text=_(
            "The US school grade articles should read at (8 means a "
            "13-to-14-year-old reads it easily). A reviewer signing off an "
            "article above it gives a reason."
        ),
    )
    show_reading_level = models.BooleanField(
        _("show readers the reading level"),
        default=False,
        help_text=_("Article pages say at which school grade the text reads."),
    )

    class Meta:
        verbose_name = _("site configuration")
        verbose_name_plural = _("site configuration")

    def __str__(self):
        return str(_("Site configuration"))

    def save(self, *args, **kwargs):
        changed = not self._state.adding
        super().save(*args, **kwargs)
        if changed:
            # Every article page shows it (cached(), below). The row made
            # with its defaults on first use changes nothing shown.
            invalidate_after_commit()

    @classmethod
    def load(cls):
        """Return the configuration row, created with defaults if missing."""
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    @classmethod
    def cached(cls):
        """
        Return the configuration for showing a page: from the cache until
        public content changes (saving it is such a change), else from the
        database.
        """
        return kept_until_content_changes("site-configuration", cls.load)
