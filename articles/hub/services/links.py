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


def _article_slug(path):
    """Return the slug when `path` is an article page, "" for other pages of
    this site, and None when nothing here answers it."""
    redirect = Redirect.objects.filter(old_path=path).only("new_path").first()
    if redirect is not None:
        path = redirect.new_path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name == "page":
        # Every other address reaches the editors' pages: is there one?
        url = "/" + match.kwargs["url"].lstrip("/")
        return "" if FlatPage.objects.filter(url=url).exists() else None
    return match.kwargs["slug"] if match.view_name == "articles:detail" else ""


def _links_in(article):
    """Return unsaved Links for the links in `article`'s body."""
    hosts = site_hosts()
    found, slugs = [], {}
    for href, text, rel in extract_links(article.body):
        parts = urlsplit(href)
        if parts.scheme and parts.scheme not in ("http", "https"):
            continue
        if parts.netloc and parts.netloc.lower() not in hosts:
            found.append(Link(source=article, url=href, anchor_text=text, rel=rel))
            continue
        path = parts.path or "/"
        slug = _article_slug(path)
        if slug == "":
            continue  # Another page of this site: not part of the graph.
        link = Link(source=article, is_internal=True, anchor_text=text, rel=rel)
        if slug is None:
            link.url = path
        else:
            slugs[id(link)] = slug
        found.append(link)
    targets = Article.objects.filter(slug__in=set(slugs.values())).in_bulk(
        field_name="slug"
    )
    for link in found:
        if id(link) in slugs:
            target = targets.get(slugs[id(link)])
            if target is None:
                link.url = f"/articles/{slugs[id(link)]}/"
            else:
                link.target_article = target
    return found


@transaction.atomic
def sync_article_links(*, article: Article) -> tuple[int, int]:
    """
    Bring the stored links of `article` in line with its body: create the
    new ones, delete those no longer there, keep the rest. Return
    (created, deleted).
    """
    wanted = {}
    for link in _links_in(article):
        wanted.setdefault(link.key, link)
    existing = {link.key: link for link in article.outbound_links.all()}
    stale = [link.pk for key, link in existing.items() if key not in wanted]
    new = [link for key, link in wanted.items() if key not in existing]
    Link.objects.filter(pk__in=stale).delete()
    Link.objects.bulk_create(new)
    return len(new), len(stale)


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
