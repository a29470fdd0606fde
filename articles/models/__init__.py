"""
The articles app's models, one module per concern: taxonomy (categories and
tags), media (images), people, article (articles, their workflow and
references) and site (the clinic's settings).
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
from .media import RENDITION_WIDTHS, Image
from .people import Person
from .site import SiteConfiguration
from .taxonomy import Category, Tag

__all__ = [
    "RENDITION_WIDTHS",
    "SEARCH_MARK_END",
    "SEARCH_MARK_START",
    "WORKFLOW_FIELDS",
    "Article",
    "ArticleQuerySet",
    "Category",
    "Image",
    "Person",
    "Reference",
    "SiteConfiguration",
    "Tag",
    "add_months",
]
