"""
The admin's home page: what needs each person's attention.

Each app contributes panels through a function named in
CLINIC_HOME_PANELS (`articles.home.panels`, …) that takes the user and
returns the panels they may see, each made with one query: its first rows
and, through a window count on each row, how many there are in all. A
panel shows only to someone who may open what it links to.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Window
from django.utils.module_loading import import_string

#: Rows a panel lists; its count and link lead to the rest.
SHOWN = 5


@dataclass
class Row:
    label: str
    url: str
    note: str = ""


@dataclass
class Panel:
    #: Names the panel in tests and in the page's markup.
    key: str
    title: str
    #: Said when the panel is empty.
    empty: str
    #: The whole list, filtered as the panel is.
    url: str
    rows: list = field(default_factory=list)
    count: int = 0
    #: A line above the rows.
    summary: str = ""


def home_panels(user):
    """Return the panels `user` may see, in the order the page shows them."""
    return [
        panel
        for path in settings.CLINIC_HOME_PANELS
        for panel in import_string(path)(user)
    ]


def first_rows(queryset):
    """Return (the first SHOWN rows of `queryset`, how many in all): one query."""
    rows = list(queryset.annotate(total_rows=Window(Count("pk")))[:SHOWN])
    return rows, rows[0].total_rows if rows else 0
