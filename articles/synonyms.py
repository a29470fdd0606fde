"""
Patients' words in a search: a query holding "slipped disc" also looks for
what the articles call it, "herniated disc" (the `Synonym` rows, kept by
editors in the admin).
"""

import re

from django.db.models import F, Value

from .models import Synonym
from .models.article import query_text, search_terms


def search_alternatives(query):
    """
    Return the texts to search for `query`: itself, then, when its terms
    hold patients' words the site knows, the query with those put as the
    articles say them. A term left out (-word) is left out in both, in
    both wordings. One query.
    """
    wanted, unwanted = search_terms(query)
    terms = [term.lower() for term in (*wanted, *unwanted)]
    if not terms:
        return [query]
    # Words in a row are also looked up together.
    # The synonyms whose words occur in the terms, longest first ("broken
    # back bone" before "back bone").
    held = sorted(
        Synonym.objects.annotate(text=Value(" ".join(terms)))
        .filter(text__contains=F("lay"))
        .only("lay", "clinical"),
        key=lambda synonym: -len(synonym.lay),
    )
    if not held:
        return [query]

    lay = re.compile(
        "|".join(rf"(?<![\w-]){re.escape(synonym.lay)}(?![\w-])" for synonym in held)
    )
    clinical = {synonym.lay: synonym.clinical for synonym in held}

    def swap(terms):
        # Words in a row are read together ("broken back bone"); a quoted
        # phrase is read on its own and stays one phrase.
        result, words = [], []

        def flush():
            text = " ".join(words)
            at = 0
            for match in lay.finditer(text):
                result.extend(text[at : match.start()].split())
                result.append(clinical[match.group(0)])
                at = match.end()
            result.extend(text[at:].split())
            words.clear()

        for term in terms:
            if " " in term:
                flush()
                result.append(lay.sub(lambda m: clinical[m.group(0)], term))
            else:
                words.append(term)
        flush()
        return result

    lowered = [t.lower() for t in wanted]
    swapped = swap(lowered)
    left_out = list(dict.fromkeys([*unwanted, *swap([t.lower() for t in unwanted])]))
    if swapped == lowered and len(left_out) == len(unwanted):
        return [query]
    alternatives = [query_text(wanted, left_out)]
    if swapped != lowered:
        alternatives.append(query_text(swapped, left_out))
    return alternatives
