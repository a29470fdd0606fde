"""The clinic's glossary: medical terms with plain words for them."""

import re

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

#: A word of letters or digits, as terms and running text are read.
WORD = re.compile(r"[^\W_]+")
#: Words of letters or digits, joined by spaces or hyphens.
TERM = re.compile(r"[^\W_]+(?:(?: |-)[^\W_]+)*")
#: The most words a term may have (articles.glossary reads no longer runs).
TERM_WORDS = 6


@reversion.register()
class GlossaryTerm(models.Model):
    """
    A medical term, the plain words an editor could write instead, and its
    meaning for readers. Editors see the terms an article uses beside its
    reading figures; an article that explains its terms shows readers the
    meaning where a term first appears. The first glossary's plain and lay
    words became search synonyms (migration 0028); synonyms are kept on
    their own since.
    """

    term = models.CharField(
        _("medical term"),
        max_length=80,
        help_text=_(
            "As the articles write it, in the singular: plurals are found "
            "too. Lower case, except abbreviations such as MRI."
        ),
    )
    plain = models.CharField(
        _("plain words"),
        max_length=80,
        help_text=_("What an editor could write instead, e.g. “collapsed spine bone”."),
    )
    meaning = models.CharField(
        _("meaning for readers"),
        max_length=250,
        help_text=_("One or two short sentences a patient understands."),
    )

    class Meta:
        ordering = ("term",)
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")
        constraints = (
            models.UniqueConstraint(
                Lower("term"),
                name="glossary_term_unique",
                violation_error_message=_("The glossary already has this term."),
            ),
        )

    def __str__(self):
        return self.term

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self):
        self.term = " ".join(self.term.split())
        self.plain = " ".join(self.plain.split())
        self.meaning = " ".join(self.meaning.split())

    def clean(self):
        self.normalize()
        if not TERM.fullmatch(self.term):
            raise ValidationError(
                {
                    "term": _(
                        "Write the term as words of letters or digits, with "
                        "spaces or hyphens between them."
                    )
                },
                code="term_words",
            )
        if len(WORD.findall(self.term)) > TERM_WORDS:
            raise ValidationError(
                {"term": _("A term has at most %(n)d words.") % {"n": TERM_WORDS}},
                code="term_length",
            )
