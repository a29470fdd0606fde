"""
How hard an article's body is to read: the Flesch-Kincaid and SMOG
grades, words per sentence, long words and the passive voice, and the
sentences that pull the grade up. Read from the sanitized body HTML, so
headings (labels, not sentences) and code are left out and each paragraph,
list item or table cell ends a sentence.

The grades are the published formulas, as textstat computes them (a test
holds the two together), with syllables from the CMU Pronouncing
Dictionary (articles.dictionary). textstat itself keeps the dictionary
with every word's phonemes: 72 MB in each process that saves an article.
"""

import re
from dataclasses import asdict, dataclass
from html import unescape

from .dictionary import syllables

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


def flesch_kincaid(words, sentences, syllables_count):
    """The Flesch-Kincaid grade level (1975 formula)."""
    return 0.39 * words / sentences + 11.8 * syllables_count / words - 15.59


def smog(long_words, sentences):
    """The SMOG grade (McLaughlin, 1969), scaled to 30 sentences."""
    return 1.043 * (long_words * 30 / sentences) ** 0.5 + 3.1291


def sentence_grade(sentence: str) -> float:
    """The Flesch-Kincaid grade of one sentence."""
    words = WORD.findall(sentence)
    return flesch_kincaid(len(words), 1, sum(map(syllables, words)))


def is_passive(sentence: str) -> bool:
    return PASSIVE.search(sentence) is not None


def measure(html: str) -> Reading | None:
    """Return the reading figures of a body, or None when it has no text."""
    found = sentences(html)
    words = [word for sentence in found for word in WORD.findall(sentence)]
    if not words:
        return None
    counts = [syllables(word) for word in words]
    long_words = sum(count >= LONG_WORD_SYLLABLES for count in counts)
    # As textstat counts them: a list item of two words is no sentence,
    # though its words count.
    full = max(1, sum(len(WORD.findall(s)) > 2 for s in found))
    graded = len(words) >= FEWEST_GRADED_WORDS
    grade = flesch_kincaid(len(words), full, sum(counts))
    return Reading(
        grade=round(grade, 1) if graded else None,
        smog=round(smog(long_words, full), 1) if graded else None,
        words=len(words),
        sentences=full,
        words_per_sentence=round(len(words) / full, 1),
        long_words=round(long_words / len(words), 3),
        passive=round(sum(map(is_passive, found)) / full, 3),
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
