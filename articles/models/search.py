"""The words of the articles, for correcting a misspelt search."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

#: A word worth correcting towards: letters only, four to forty of them
#: (a longer run of letters is no word).
WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]{4,40}(?![^\W\d_])")
MAX_LENGTH = 40


class SearchWord(models.Model):
    """
    A word that occurs in a published article's title, summary or body, in
    lower case. Search suggests the nearest of them for a word it cannot
    find (see articles.spelling); a word stays after its article goes, and
    a suggestion is only offered when it finds something.
    """

    word = models.CharField(_("word"), max_length=MAX_LENGTH, unique=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self):
        return self.word

    @classmethod
    def record(cls, texts):
        """Add the words of `texts` not yet known: one insert."""
        # Lower case first: a letter may lengthen ("İ" is two in lower case).
        words = {
            word
            for text in texts
            for word in WORD.findall((text or "").lower())
            if len(word) <= MAX_LENGTH
        }
        cls.objects.bulk_create(
            (cls(word=word) for word in sorted(words)),
            batch_size=2000,
            ignore_conflicts=True,
        )


class Synonym(models.Model):
    """
    A patient's words for what the articles call by a clinical name
    ("slipped disc" for "herniated disc"): a search holding the first also
    finds the second.
    """

    lay = models.CharField(
        _("patients' words"),
        max_length=100,
        unique=True,
        help_text=_("As a patient might type it, e.g. “broken back bone”."),
    )
    clinical = models.CharField(
        _("what the articles say"),
        max_length=100,
        help_text=_(
            "The words the articles use, e.g. “vertebral compression fracture”."
        ),
    )

    class Meta:
        ordering = ("lay",)
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self):
        return f"{self.lay} → {self.clinical}"

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self):
        self.lay = " ".join(self.lay.lower().split())
        self.clinical = " ".join(self.clinical.lower().split())

    def clean(self):
        # Before the uniqueness check: "Slipped  Disc" is "slipped disc".
        self.normalize()
        errors = {}
        for field in ("lay", "clinical"):
            value = getattr(self, field)
            if '"' in value:
                errors[field] = _("Leave out quotation marks: the words are a phrase.")
            elif value.startswith("-"):
                errors[field] = _("The words cannot start with a minus.")
        if errors:
            raise ValidationError(errors)
