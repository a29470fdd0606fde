"""
Finding the glossary's terms in an article: for editors, the medical
terms a body uses with plain words for them; for readers, the meaning of
a term where the article first uses it.

A term matches as a whole word or phrase, in any case (an abbreviation in
capitals only), in the singular or the plural ("vertebra", "Vertebrae";
"injection", "injections"), with spaces or a hyphen between its words.
The text is read word by word, each word looked up in a table of the
terms' forms: the cost grows with the text, not with the glossary.
"""

import re
from functools import lru_cache

from django.utils.html import escape

from .models import GlossaryTerm
from .models.glossary import TERM_WORDS, WORD

#: Elements whose text is left as it is: a link or a heading is no place
#: for a definition, code is not prose, and a table scrolls sideways on a
#: phone, hiding a meaning shown below its term.
LEFT_ALONE = {"a", "h2", "h3", "h4", "pre", "code", "figcaption", "caption", "table"}
TAG = re.compile(r"(<[^>]*>)")
TAG_NAME = re.compile(r"<(/?)([a-zA-Z0-9]+)")
#: What may join the words of one term.
JOINER = re.compile(r"(?:\s|&nbsp;|-)+")


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


def _fold(word):
    """A word as forms are kept: lower case, except an abbreviation's."""
    return word if len(word) > 1 and word.rstrip("s").isupper() else word.lower()


@lru_cache(maxsize=8)
def _forms(terms):
    """
    For the `terms` (a tuple): each form a term may take, as a tuple of
    folded words, mapped to the term. An abbreviation keeps its capitals
    ("TENS" is no "tens"); other words match in any case.
    """
    forms = {}
    for term in terms:
        words = WORD.findall(term)
        if not words or len(words) > TERM_WORDS:
            continue  # Saved before GlossaryTerm.clean() refused it.
        *head, last = words
        for form in plurals(last):
            forms.setdefault(tuple(_fold(w) for w in (*head, form)), term)
    return forms


def _uses(text, forms):
    """
    Yield (start, end, term) for each use of a term in `text`, the longest
    term at each place first, left to right, never overlapping: each word
    starts at most TERM_WORDS lookups.
    """
    words = list(WORD.finditer(text))
    longest = max((len(form) for form in forms), default=0)
    index = 0
    while index < len(words):
        found = None
        for size in range(min(longest, len(words) - index), 0, -1):
            run = words[index : index + size]
            # Words of one term stand next to each other, or joined by a
            # hyphen or spaces.
            if any(
                not JOINER.fullmatch(text[a.end() : b.start()])
                for a, b in zip(run, run[1:], strict=False)
            ):
                continue
            words_run = [w.group() for w in run]
            term = forms.get(tuple(map(_fold, words_run)))
            if term is None:  # "VERTEBRA" in capitals is still the word.
                term = forms.get(tuple(w.lower() for w in words_run))
            if term is not None:
                found = (run[0].start(), run[-1].end(), term, size)
                break
        if found:
            yield found[:3]
            index += found[3]
        else:
            index += 1


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
    counts = {}
    for _start, _end, term in _uses(text, _forms(tuple(sorted(glossary)))):
        counts[term] = counts.get(term, 0) + 1
    return [(glossary[term], count) for term, count in counts.items()]


def explain_first_uses(html, terms=None):
    """
    Return the article HTML with each glossary term's first use in running
    text marked as a definition, its meaning beside it: shown on hover or
    focus, given to screen readers as the term's description, and in
    brackets without styles.
    """
    glossary = _glossary(terms)
    if not glossary or not html:
        return html
    forms = _forms(tuple(sorted(glossary)))
    explained = set()
    closed_by = []  # The elements left alone that are open.

    def define(text):
        pieces, at = [], 0
        for start, end, term in _uses(text, forms):
            if term in explained:
                continue
            explained.add(term)
            number = len(explained)
            pieces += [
                text[at:start],
                f'<span class="term"><dfn tabindex="0" '
                f'aria-describedby="glossary-term-{number}">{text[start:end]}</dfn>'
                f'<span class="term__meaning" role="tooltip" '
                f'id="glossary-term-{number}" aria-hidden="true">'
                f'<span class="term__bracket"> (</span>'
                f"{escape(glossary[term].meaning)}"
                '<span class="term__bracket">)</span></span></span>',
            ]
            at = end
        return "".join(pieces) + text[at:]

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
            parts[index] = define(part)
    return "".join(parts)
