"""How articles are grouped: categories (two levels) and tags."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
        help_text=_("Leave empty for a top-level category. Two levels at most."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Shown at the top of the category page."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_("Lower numbers come first in menus and lists."),
    )

    class Meta:
        ordering = ("position", "name")
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = (
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="category_not_own_parent",
            ),
        )

    def __str__(self):
        return f"{self.parent} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"slug": self.slug})

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError(
                {"parent": _("A category cannot be its own parent.")},
                code="own_parent",
            )
        if self.parent.parent_id is not None:
            raise ValidationError(
                {"parent": _("Categories have two levels: pick a top-level parent.")},
                code="too_deep",
            )
        if self.pk and self.children.exists():
            raise ValidationError(
                {
                    "parent": _(
                        "This category has subcategories, so it must stay "
                        "at the top level."
                    )
                },
                code="too_deep",
            )


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})
