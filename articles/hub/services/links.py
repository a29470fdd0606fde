"""
The internal link graph: the links in each article's body, stored as Link
rows, and the addresses of this site they resolve to.
"""

from urllib.parse import urlsplit

import reversion
from bs4 import BeautifulSoup
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from articles.models import Article
from articles.richtext import (
    CONTROL_CHARACTERS,
    extract_links,
    sanitize_html,
    text_summary,
)
from clinic.addresses import site_hosts
from clinic.pagecache import invalidate_after_commit

from ..models import Link


def _slugs_for(paths):
    """
    Map each path of this site to the slug when it is an article page, ""
    for the site's other pages, and None when nothing here answers it. A
    few queries however many paths there are.
    """
    redirects = dict(
        Redirect.objects.filter(old_path__in=paths).values_list("old_path", "new_path")
        if paths
        else ()
    )
    slugs, pages = {}, {}
    for path in paths:
        try:
            match = resolve(redirects.get(path, path))
        except Resolver404:
            slugs[path] = None
            continue
        if match.view_name == "page":
            # Every other address reaches the editors' pages: is there one?
            pages[path] = "/" + match.kwargs["url"].lstrip("/")
        elif match.view_name == "articles:detail":
            slugs[path] = match.kwargs["slug"]
        else:
            slugs[path] = ""
    if pages:
        found = set(
            FlatPage.objects.filter(url__in=pages.values()).values_list(
                "url", flat=True
            )
        )
        for path, url in pages.items():
            slugs[path] = "" if url in found else None
    return slugs


def _article_slug(path):
    """The slug when `path` is an article page (see _slugs_for)."""
    return _slugs_for([path])[path]


def _links_in(articles):
    """Return {article pk: unsaved Links for the links in its body}."""
    hosts = site_hosts()
    read, paths = [], set()
    longest = Link._meta.get_field("url").max_length
    for article in articles:
        for href, text, rel in extract_links(article.body):
            if len(href) > longest:
                continue  # No page has such an address: nothing to follow.
            rel = rel[: Link._meta.get_field("rel").max_length]
            parts = urlsplit(href)
            if parts.scheme and parts.scheme not in ("http", "https"):
                continue
            path = None
            if not parts.netloc or parts.netloc.lower() in hosts:
                path = parts.path or "/"
                paths.add(path)
            read.append((article, href, text, rel, path))
    slugs = _slugs_for(paths)
    targets = Article.objects.filter(
        slug__in={slug for slug in slugs.values() if slug}
    ).in_bulk(field_name="slug")
    found = {article.pk: [] for article in articles}
    for article, href, text, rel, path in read:
        if path is None:
            link = Link(source=article, url=href, anchor_text=text, rel=rel)
        elif (slug := slugs[path]) == "":
            continue  # Another page of this site: not part of the graph.
        else:
            link = Link(source=article, is_internal=True, anchor_text=text, rel=rel)
            if slug is None:
                link.url = path
            elif (target := targets.get(slug)) is None:
                link.url = f"/articles/{slug}/"
            else:
                link.target_article = target
        found[article.pk].append(link)
    return found


@transaction.atomic
def sync_links(articles) -> tuple[int, int]:
    """
    Bring the stored links of each article in line with its body: create
    the new ones, delete those no longer there, keep the rest. A few
    queries for any number of articles. Return (created, deleted).
    """
    articles = list({article.pk: article for article in articles}.values())
    found = _links_in(articles)
    existing = {article.pk: {} for article in articles}
    for link in Link.objects.filter(source__in=[article.pk for article in articles]):
        existing[link.source_id][link.key] = link
    stale, new = [], []
    for article in articles:
        wanted = {}
        for link in found[article.pk]:
            wanted.setdefault(link.key, link)
        have = existing[article.pk]
        stale += [link.pk for key, link in have.items() if key not in wanted]
        new += [link for key, link in wanted.items() if key not in have]
    Link.objects.filter(pk__in=stale).delete()
    Link.objects.bulk_create(new)
    return len(new), len(stale)


def sync_article_links(*, article: Article) -> tuple[int, int]:
    """sync_links() for one article."""
    return sync_links([article])


def article_for_url(url):
    """Return the published article a URL of this site points at, or None."""
    if CONTROL_CHARACTERS.search(url):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    if (parts.netloc or "").lower() not in site_hosts():
        return None
    slug = _article_slug(parts.path or "/")
    if not slug:
        return None
    return Article.objects.published().filter(slug=slug).first()


def _unlink_from(version, target) -> bool:
    """
    Unwrap the links to `target` in one version's body; return whether
    there were any. The words a reviewer signed off are unchanged, so the
    sign-off stays.
    """
    soup = BeautifulSoup(version.body, "html.parser")
    anchors = [
        anchor
        for anchor in soup.find_all("a", href=True)
        if anchor["href"].strip() == target or anchor["href"].endswith(target)
    ]
    if not anchors:
        return False
    for anchor in anchors:
        anchor.unwrap()
    signed = version.has_current_sign_off
    words_before = text_summary(version.body, limit=None)
    # In the stored, canonical form, so the fingerprint below is the one
    # save() compares with.
    version.body = sanitize_html(str(soup))
    words_after = text_summary(version.body, limit=None)
    # Compared without spaces: an unwrapped link moves no word, but the text
    # of an element boundary may gain or lose a space.
    if signed and "".join(words_after.split()) == "".join(words_before.split()):
        # Same words: re-fingerprint so that saving does not void the sign-off.
        version.review_fingerprint = version.fingerprint()
    version.save()
    return True


@transaction.atomic
def unlink(*, link: Link, user) -> Article:
    """
    Remove a link from its article's body, live and unpublished changes
    alike, keeping the link's text. Return the article.
    """
    if not user.has_perm("articles.change_article"):
        raise PermissionDenied(_("You may not edit articles."))
    article = link.source
    target = link.target_article.get_absolute_url() if link.target_article else link.url
    draft = article.working_version()
    versions = [article] if draft is article else [article, draft]
    changed = [version for version in versions if _unlink_from(version, target)]
    if changed:
        with reversion.create_revision():
            for version in changed:
                reversion.add_to_revision(version)
            reversion.set_user(user)
            reversion.set_comment(
                _("Removed the link to %(target)s") % {"target": target}
            )
    sync_article_links(article=article)
    invalidate_after_commit()
    return article
