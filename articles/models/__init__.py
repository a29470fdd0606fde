"""
The articles app's models, one module per concern: taxonomy (categories and
tags), media (images), people, article (articles, their workflow and
references), site (the clinic's settings), reminders (the reminder
emails sent), search (the articles' words, for spelling, and synonyms)
and glossary (medical terms in plain words).
"""

from .article import (
    SEARCH_MARK_END,
    SEARCH_MARK_START,
    WORKFLOW_FIELDS,
    Article,
    ArticleQuerySet,
    Reference,
    add_months,
)
from .content import REFERENCE_KEYS, ArticleContent, clean_reference
from .draft import ArticleDraft, Autosave
from .glossary import GlossaryTerm
from .media import RENDITION_WIDTHS, Image
from .people import Person
from .reminders import ReminderSent
from .search import SearchWord, Synonym
from .site import SiteConfiguration
from .taxonomy import Category, Tag

__all__ = [
    "RENDITION_WIDTHS",
    "SEARCH_MARK_END",
    "SEARCH_MARK_START",
    "WORKFLOW_FIELDS",
    "REFERENCE_KEYS",
    "Article",
    "ArticleContent",
    "ArticleDraft",
    "ArticleQuerySet",
    "Autosave",
    "Category",
    "GlossaryTerm",
    "Image",
    "Person",
    "Reference",
    "ReminderSent",
    "SearchWord",
    "Synonym",
    "SiteConfiguration",
    "Tag",
    "add_months",
    "clean_reference",
]
