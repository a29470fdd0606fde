"""
Finding the glossary's terms in an article: for editors, the medical
terms a body uses with plain words for them; for readers, the meaning of
a term where the article first uses it.

A term matches as a whole word or phrase, in any case, in the singular or
the plural ("vertebra", "Vertebrae"; "injection", "injections"), with a
space or a hyphen between its words.
"""

import re
from functools import lru_cache

from django.utils.html import escape

from .models import GlossaryTerm

#: Elements whose text is left as it is: a link or a heading is no place
#: for a definition, and code is not prose.
LEFT_ALONE = {"a", "h2", "h3", "h4", "pre", "code", "figcaption", "caption", "th"}
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<(/?)([a-zA-Z0-9]+)")
SEPARATOR = r"(?:\s|&nbsp;|-)+"


def plurals(word):
    """The forms of an English noun a term may take in running text."""
    lower = word.lower()
    if word.isupper():  # An abbreviation: MRIs.
        return [word, f"{word}s"]
    forms = [word]
    if lower.endswith("a"):
        forms.append(f"{word}e")  # vertebra, vertebrae
    if lower.endswith("is"):
        forms.append(f"{word[:-2]}es")  # diagnosis, diagnoses
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        forms.append(f"{word[:-1]}ies")
    elif lower.endswith(("s", "x", "z", "ch", "sh")):
        forms.append(f"{word}es")
    else:
        forms.append(f"{word}s")
    return forms


def _key(text):
    """One spelling for every way a term is written: lower case, spaces."""
    return " ".join(re.split(SEPARATOR, text.lower()))


@lru_cache(maxsize=8)
def _matcher(terms):
    """A pattern for the `terms` (a tuple) and the term each form means."""
    forms = {}
    for term in terms:
        *head, last = term.split()
        for form in plurals(last):
            forms.setdefault(_key(" ".join([*head, form])), term)
    # Longest first: "vertebral compression fracture" before "fracture".
    alternatives = sorted(forms, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w&-])(?:"
        + "|".join(SEPARATOR.join(map(re.escape, f.split())) for f in alternatives)
        + r")(?![\w-])",
        re.IGNORECASE,
    )
    return pattern, forms


def _glossary(terms=None):
    if terms is None:
        terms = GlossaryTerm.objects.only("term", "plain", "meaning")
    return {term.term: term for term in terms}


def terms_used(text, terms=None):
    """
    Return the glossary terms `text` (plain text) uses, in the order they
    first appear, as (GlossaryTerm, times used) pairs.
    """
    glossary = _glossary(terms)
    if not glossary or not text:
        return []
    pattern, forms = _matcher(tuple(sorted(glossary)))
    counts = {}
    for match in pattern.finditer(text):
        term = forms[_key(match.group(0))]
        counts[term] = counts.get(term, 0) + 1
    return [(glossary[term], count) for term, count in counts.items()]


def explain_first_uses(html, terms=None):
    """
    Return the article HTML with each glossary term's first use in running
    text marked as a definition, its meaning beside it: shown on hover or
    focus, read out by screen readers, and in brackets without styles.
    """
    glossary = _glossary(terms)
    if not glossary or not html:
        return html
    pattern, forms = _matcher(tuple(sorted(glossary)))
    explained = set()
    closed_by = []  # The elements left alone that are open.

    def define(match):
        term = forms[_key(match.group(0))]
        if term in explained:
            return match.group(0)
        explained.add(term)
        number = len(explained)
        return (
            f'<span class="term"><dfn tabindex="0" aria-describedby="term-{number}">'
            f"{match.group(0)}</dfn>"
            f'<span class="term__meaning" role="tooltip" id="term-{number}">'
            f'<span class="term__bracket"> (</span>{escape(glossary[term].meaning)}'
            '<span class="term__bracket">)</span></span></span>'
        )

    parts = TAG.split(html)
    for index, part in enumerate(parts):
        if part.startswith("<"):
            tag = TAG_NAME.match(part)
            if tag and tag.group(2).lower() in LEFT_ALONE:
                if tag.group(1):
                    if closed_by and closed_by[-1] == tag.group(2).lower():
                        closed_by.pop()
                else:
                    closed_by.append(tag.group(2).lower())
        elif part and not closed_by:
            parts[index] = pattern.sub(define, part)
    return "".join(parts)
