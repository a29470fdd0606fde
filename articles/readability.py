"""
How hard an article's body is to read: grade figures from textstat, plus
words per sentence, long words and the passive voice, and the sentences
that pull the grade up. Read from the sanitized body HTML, so headings
(labels, not sentences) and code are left out and each paragraph, list
item or table cell ends a sentence.
"""

import re
from dataclasses import asdict, dataclass
from html import unescape

from textstat import textstat

#: What ends a sentence even without a full stop.
BLOCK_END = re.compile(r"</(?:p|li|td|th|blockquote|figcaption|caption)>|<br>", re.I)
#: What readers do not read as running text.
NOT_PROSE = re.compile(r"<(h[2-4]|pre)\b[^>]*>.*?</\1>", re.I | re.S)
TAG = re.compile(r"<[^>]*>")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

#: Past participles that do not end in -ed, for spotting the passive voice.
_IRREGULAR = (
    "beaten begun bent bitten blown born borne bought broken brought built "
    "caught chosen cut done drawn driven eaten fallen fed felt found frozen "
    "given gone grown held hidden hit hung hurt kept known laid led left lent "
    "lost made meant met paid put read said seen sent set shown shut sold "
    "spent split spread stuck struck swollen taken taught thought thrown "
    "told torn understood woken worn written"
)
IRREGULAR_PARTICIPLES = _IRREGULAR.split()
PASSIVE = re.compile(
    r"\b(?:am|is|are|was|were|be|been|being|get|gets|got|gotten|getting)"
    r"(?:\s+(?:not|\w+ly))?\s+"
    rf"(?:[a-z]{{2,}}ed|{'|'.join(IRREGULAR_PARTICIPLES)})\b",
    re.I,
)

#: A word of this many syllables or more counts as long (as SMOG counts).
LONG_WORD_SYLLABLES = 3
#: Sentences shorter than this are not singled out: one long word in a
#: three-word sentence says little about the text.
SHORTEST_FLAGGED = 6


#: Grades need a sample this long: the formulas were fitted on passages
#: of 100 words, and three words give any grade at all.
FEWEST_GRADED_WORDS = 100


@dataclass(frozen=True)
class Reading:
    """The reading figures of one text."""

    #: Flesch-Kincaid grade level (US school years); None for a text too
    #: short to grade.
    grade: float | None
    #: SMOG grade, normed on long texts (30 sentences or more).
    smog: float | None
    words: int
    sentences: int
    words_per_sentence: float
    #: Share (0–1) of words of three syllables or more.
    long_words: float
    #: Share (0–1) of sentences in the passive voice.
    passive: float

    def as_dict(self):
        return asdict(self)


def sentences(html: str) -> list[str]:
    """Return the body's running text, one sentence per item."""
    # Line breaks in the source are spaces: only blocks end a sentence.
    text = " ".join((html or "").split())
    text = BLOCK_END.sub("\n", NOT_PROSE.sub("\n", text))
    found = []
    for block in unescape(TAG.sub("", text)).split("\n"):
        block = " ".join(block.split())
        if WORD.search(block):
            found.extend(s for s in SENTENCE_END.split(block) if WORD.search(s))
    return found


def _as_text(sentence_list):
    """Join sentences so that textstat counts each as one."""
    return " ".join(
        s if s.rstrip('"”’)').endswith((".", "!", "?")) else f"{s}."
        for s in sentence_list
    )


def sentence_grade(sentence: str) -> float:
    """The Flesch-Kincaid grade of one sentence."""
    return textstat.flesch_kincaid_grade(_as_text([sentence]))


def is_passive(sentence: str) -> bool:
    return PASSIVE.search(sentence) is not None


def measure(html: str) -> Reading | None:
    """Return the reading figures of a body, or None when it has no text."""
    found = sentences(html)
    if not found:
        return None
    text = _as_text(found)
    words = textstat.lexicon_count(text)
    if not words:
        return None
    long_words = sum(
        1
        for word in WORD.findall(text)
        if textstat.syllable_count(word) >= LONG_WORD_SYLLABLES
    )
    graded = words >= FEWEST_GRADED_WORDS
    return Reading(
        grade=round(textstat.flesch_kincaid_grade(text), 1) if graded else None,
        smog=round(textstat.smog_index(text), 1) if graded else None,
        words=words,
        sentences=len(found),
        words_per_sentence=round(words / len(found), 1),
        long_words=round(long_words / words, 3),
        passive=round(sum(map(is_passive, found)) / len(found), 3),
    )


def hardest_sentences(html: str, *, above: float, limit: int = 5):
    """
    Return up to `limit` sentences whose grade is above `above`, hardest
    first, as (sentence, grade, passive) tuples in their order of grade.
    """
    graded = [
        (sentence, round(sentence_grade(sentence), 1), is_passive(sentence))
        for sentence in sentences(html)
        if len(WORD.findall(sentence)) >= SHORTEST_FLAGGED
    ]
    hard = [item for item in graded if item[1] > above]
    hard.sort(key=lambda item: item[1], reverse=True)
    return hard[:limit]
