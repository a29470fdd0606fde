"""What reminder emails went to whom, so that each goes at most once a day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderSent(models.Model):
    """One reminder of one kind sent to one person on one day."""

    class Kind(models.TextChoices):
        REVIEW_DIGEST = "review_digest", _("Medical reviews falling due")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sent to"),
    )
    kind = models.CharField(_("reminder"), max_length=30, choices=Kind)
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = (
            models.UniqueConstraint(
                fields=("user", "kind", "sent_on"), name="reminder_once_a_day"
            ),
        )

    def __str__(self):
        return f"{self.get_kind_display()} · {self.sent_on}"
