"""Authors and medical reviewers, as readers see them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .media import Image


class Person(models.Model):
    """An author or medical reviewer, as readers see them."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    credentials = models.CharField(
        _("credentials"),
        max_length=160,
        blank=True,
        help_text=_('Shown after the name, e.g. "MD, spine surgeon".'),
    )
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        Image,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("user account"),
        help_text=_(
            "A medical reviewer's sign-off is shown under the person linked "
            "to their account."
        ),
    )

    class Meta:
        ordering = ("name",)
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})
