"""
Spelling help for search: the nearest word the articles use, for a word
of the query they do not. PostgreSQL finds candidates by trigram
similarity (pg_trgm, through an index); other databases take the known
words of about the same length that start with the same letter. Either
way the candidate nearest by edit distance wins, within a distance that
grows with the word's length. A word of the English dictionary is taken as
meant, unless the nearest word is in a published title (or, on PostgreSQL,
summary) or the glossary.
"""

from django.db import connection
from django.db.models import F
from django.db.models.functions import Length

from .dictionary import syllables_by_word
from .models import Article, GlossaryTerm, SearchWord
from .models.article import search_terms
from .models.search import WORD

#: How many trigram candidates PostgreSQL hands over to the edit distance.
CANDIDATES = 12
#: How many candidates another database reads for one word, at most.
SCAN = 2000
#: How many unknown words of one query are corrected: a long query costs no
#: more than a short one.
MAX_FIXES = 3


def corrected_query(query):
    """
    Return `query` with each word the articles do not use replaced by the
    nearest one they do, or None when no word needs (or finds) a change.
    Left-out words (-word) and the quotes of phrases are kept.
    """
    wanted, _unwanted = search_terms(query)
    words = {word for term in wanted for word in WORD.findall(term.lower())}
    if not words:
        return None
    known = set(
        SearchWord.objects.filter(word__in=words).values_list("word", flat=True)
    )
    fixes = {}
    english = syllables_by_word()
    for word in sorted(words - known)[:MAX_FIXES]:
        nearest = _nearest(word)
        # An English word the articles do not use is what the patient meant
        # ("shot" is no misspelt "short"), unless its neighbour is what the
        # clinic writes about ("back pane": "pain").
        if nearest and (word not in english or _names_a_topic(nearest)):
            fixes[word] = nearest
    if not fixes:
        return None
    return WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), query)


def _names_a_topic(word):
    """
    True when a glossary term or a published title holds `word`: on
    PostgreSQL, a title or summary, found through their full-text index
    (a scan of 20,000 titles took 20 ms).
    """
    if GlossaryTerm.objects.filter(term__icontains=word).exists():
        return True
    published = Article.objects.published()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        query = SearchQuery(word, search_type="plain", config="english")
        return published.filter(search_head=query).exists()
    return published.filter(title__icontains=word).exists()


def _nearest(word):
    limit = 1 if len(word) < 6 else 2
    if connection.vendor == "postgresql":
        from django.contrib.postgres.lookups import TrigramSimilar
        from django.contrib.postgres.search import TrigramSimilarity

        candidates = (
            # "word % %s": the trigram index finds them.
            SearchWord.objects.filter(TrigramSimilar(F("word"), word))
            .annotate(similarity=TrigramSimilarity("word", word))
            .order_by("-similarity", "word")
            .values_list("word", flat=True)[:CANDIDATES]
        )
    else:
        candidates = (
            SearchWord.objects.annotate(length=Length("word"))
            .filter(
                word__startswith=word[0],
                length__gte=len(word) - limit,
                length__lte=len(word) + limit,
            )
            .values_list("word", flat=True)[:SCAN]
        )
    best = None
    for candidate in candidates:
        distance = edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def edit_distance(a, b, limit):
    """
    Return the number of letters to insert, delete, change or swap with
    the next to turn `a` into `b` (optimal string alignment), or limit + 1
    as soon as it must exceed `limit`.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            current[j] = min(
                row[j] + 1,
                current[j - 1] + 1,
                row[j - 1] + (letter != other),
            )
            if (
                before is not None
                and i > 1
                and j > 1
                and letter == b[j - 2]
                and a[i - 2] == other
            ):
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]
