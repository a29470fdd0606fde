"""
Patients' words in a search: a query holding "slipped disc" also looks for
what the articles call it, "herniated disc" (the `Synonym` rows, kept by
editors in the admin).
"""

import re

from django.db.models import F, Value

from .models import Synonym


def search_alternatives(query):
    """
    Return the texts to search for `query`: itself, then, when it holds
    patients' words the site knows, the query with those put as the
    articles say them (as a quoted phrase). One query.
    """
    lowered = " ".join(query.lower().split())
    if not lowered:
        return [query]
    # The synonyms whose words occur in the query, longest first ("broken
    # back bone" before "back bone").
    held = (
        Synonym.objects.annotate(text=Value(lowered))
        .filter(text__contains=F("lay"))
        .only("lay", "clinical")
    )
    replaced = lowered
    for synonym in sorted(held, key=lambda s: -len(s.lay)):
        pattern = re.compile(rf"(?<![\w\"]){re.escape(synonym.lay)}(?![\w\"])")
        clinical = synonym.clinical
        phrase = f'"{clinical}"' if " " in clinical else clinical
        replaced = pattern.sub(lambda _m, p=phrase: p, replaced)
    return [query] if replaced == lowered else [query, replaced]
