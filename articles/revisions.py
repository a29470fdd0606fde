"""
An article's revisions as editors read them: the content each one held,
and a word-level comparison of two of them.
"""

import difflib
import re

from bs4 import BeautifulSoup
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html, format_html_join
from reversion.models import Version

from .models import Article, ArticleContent, ArticleDraft, Reference, clean_reference


def history(article: Article):
    """
    Return the versions of `article`, newest first: those of the live
    article and those of its drafts, each a reversion Version with its
    revision (user, date, comment) joined. A revision may hold both; see
    one_per_revision().
    """
    types = ContentType.objects.get_for_models(Article, ArticleDraft)
    return (
        Version.objects.filter(
            content_type__in=types.values(), object_id=str(article.pk)
        )
        .select_related("revision", "revision__user", "content_type")
        .order_by("-revision__date_created", "-pk")
    )


def one_per_revision(versions) -> list[Version]:
    """
    Return one version per revision: the draft's when a revision saved
    both, since that is the content the editor changed.
    """
    kept = {}
    for version in versions:
        previous = kept.get(version.revision_id)
        if previous is None or version.content_type.model == "articledraft":
            kept[version.revision_id] = version
    return list(kept.values())


def revision_content(version: Version) -> dict:
    """Return what a revision held, as ArticleContent.signed_content() does."""
    fields = version.field_dict
    content = {}
    for field in ArticleContent.SIGNED_FIELDS:
        key = "featured_image_id" if field == "featured_image" else field
        if key in fields:
            content[field] = fields[key]
    if version.content_type.model_class() is ArticleDraft:
        content["references"] = [clean_reference(r) for r in fields["references"]]
    else:
        references = version.revision.version_set.filter(
            content_type=ContentType.objects.get_for_model(Reference)
        )
        rows = sorted(
            (v.field_dict for v in references),
            key=lambda row: (row.get("position", 0), row.get("id", 0)),
        )
        content["references"] = [clean_reference(row) for row in rows]
    return content


WORD = re.compile(r"\S+\s*")


def word_diff(old: str, new: str):
    """Return `new` against `old` as HTML, with <del> and <ins> words."""
    before, after = WORD.findall(old or ""), WORD.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", "".join(before[a1:a2])))
            continue
        if a2 > a1:
            parts.append(format_html("<del>{}</del>", "".join(before[a1:a2])))
        if b2 > b1:
            parts.append(format_html("<ins>{}</ins>", "".join(after[b1:b2])))
    return format_html_join("", "{}", ((part,) for part in parts))


def reference_diff(old: list[dict], new: list[dict]):
    """Return the references of `new` against `old` as an HTML list."""

    def line(ref):
        return " · ".join(value for value in ref.values() if value)

    before, after = [line(r) for r in old], [line(r) for r in new]
    rows = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows += [("", text) for text in after[b1:b2]]
            continue
        rows += [("removed", text) for text in before[a1:a2]]
        rows += [("added", text) for text in after[b1:b2]]
    if not rows:
        return ""
    return format_html(
        '<ul class="reference-diff">{}</ul>',
        format_html_join(
            "",
            '<li class="reference-diff__{}">{}</li>',
            ((kind or "same", text) for kind, text in rows),
        ),
    )


#: Elements whose text is one block of the body for a comparison.
BLOCKS = (
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "blockquote",
    "tr",
    "figcaption",
)


def body_blocks(html: str) -> list[str]:
    """Return the text of each paragraph, heading, item or row of a body."""
    soup = BeautifulSoup(html or "", "html.parser")
    blocks = []
    for element in soup.find_all(BLOCKS):
        if element.find(BLOCKS):
            continue  # Its inner blocks are taken one by one.
        text = " ".join(element.get_text(" ").split())
        if text:
            blocks.append(text)
    return blocks


def body_diff(old: str, new: str):
    """
    Return the blocks of body `new` that differ from `old`, as HTML: each a
    paragraph with its removed and added words marked, "…" for unchanged
    stretches.
    """
    before, after = body_blocks(old), body_blocks(new)
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(format_html('<p class="version-diff__same">…</p>'))
        elif op == "replace" and a2 - a1 == b2 - b1:
            parts += [
                format_html("<p>{}</p>", word_diff(a, b))
                for a, b in zip(before[a1:a2], after[b1:b2], strict=True)
            ]
        else:
            parts += [format_html("<p><del>{}</del></p>", a) for a in before[a1:a2]]
            parts += [format_html("<p><ins>{}</ins></p>", b) for b in after[b1:b2]]
    return format_html_join("", "{}", ((part,) for part in parts))


def compare(old: dict, new: dict) -> list[dict]:
    """
    Return the fields that differ between two contents: each a dict with
    `label` and `diff` (HTML). The body is compared as text readers read.
    """
    rows = []
    for field in ArticleContent.SIGNED_FIELDS:
        label = Article.field_label(field)
        a, b = old.get(field), new.get(field)
        if a == b:
            continue
        if field == "body":
            rows.append({"label": label, "diff": body_diff(a, b)})
            continue
        rows.append({"label": label, "diff": word_diff(str(a or ""), str(b or ""))})
    if old.get("references", []) != new.get("references", []):
        rows.append(
            {
                "label": Article.field_label("references"),
                "diff": reference_diff(old.get("references", []), new["references"]),
            }
        )
    return rows
