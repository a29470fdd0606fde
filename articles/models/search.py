"""The words of the articles, for correcting a misspelt search."""

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

#: A word worth correcting towards: letters only, four to forty of them.
WORD = re.compile(r"[^\W\d_]{4,40}")


class SearchWord(models.Model):
    """
    A word that occurs in an article's title, summary or body, in lower
    case. Search suggests the nearest of them for a word it cannot find
    (see articles.spelling); a word stays after its article goes, and a
    suggestion is only offered when it finds something.
    """

    word = models.CharField(_("word"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self):
        return self.word

    @classmethod
    def record(cls, texts):
        """Add the words of `texts` not yet known: one insert."""
        words = {word.lower() for text in texts for word in WORD.findall(text or "")}
        cls.objects.bulk_create(
            (cls(word=word) for word in sorted(words)),
            batch_size=2000,
            ignore_conflicts=True,
        )
