"""
Importing a WordPress export (WXR 1.1/1.2): parsing with defusedxml, then
one transaction per post so that a broken item is reported and skipped.
Rows keep their WordPress IDs, so running the same file again updates
instead of duplicating.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.html import escape, strip_tags
from django.utils.text import slugify

from comments.models import Comment, hash_ip

from .hub.models import Backlink
from .hub.services.links import sync_article_links
from .images import clean_image
from .models import Article, Category, Image, Person, Tag
from .richtext import sanitize_html, text_summary
from .services import (
    create_article,
    record_publication,
    record_sign_off,
    record_submission,
    record_withdrawal,
    save_version,
)

NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
#: The namespaces a WXR file may declare: versions 1.0 to 1.2, spelt with
#: http or https (WordPress.com writes https).
WP_NAMESPACES = tuple(
    f"{scheme}://wordpress.org/export/{version}/"
    for version in ("1.2", "1.1", "1.0")
    for scheme in ("http", "https")
)
EXCERPT_NAMESPACES = tuple(f"{ns}excerpt/" for ns in WP_NAMESPACES)
WXR_VERSIONS = ("1.0", "1.1", "1.2")
# A shortcode's attributes stop at the next bracket, so an unclosed "[x "
# repeated costs linear time, not quadratic.
SHORTCODE = re.compile(r"\[/?[a-zA-Z_][\w-]*(?:\s[^\[\]]*)?\]")
SHORTCODE_NAME = re.compile(r"\[([a-zA-Z_][\w-]*)(?:\s[^\[\]]*)?\]")
BLOCK_COMMENT = re.compile(r"\s*/?wp:")
GALLERY = re.compile(r"\[gallery([^\[\]]*)\]", re.IGNORECASE)
GALLERY_IDS = re.compile(r"ids=[\"']?([\d,\s]+)")
MEDIA = re.compile(r"\[(audio|video)([^\[\]]*)\](?:[^\[]*\[/\1\])?", re.IGNORECASE)
MEDIA_SOURCE = re.compile(
    r"(?:src|mp3|m4a|ogg|wav|mp4|webm|ogv)=[\"']?(https?://[^\s\"'\]]+)"
)
EMBED = re.compile(
    r"\[embed[^\[\]]*\]\s*(https?://[^\s\[\]<>\"']+)\s*\[/embed\]",
    re.IGNORECASE,
)
BARE_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"']+)[ \t]*$", re.MULTILINE)
#: Shortcodes whose content stays (their tags go): not worth a note.
KEPT_INSIDE = {"caption", "wp_caption"}
#: An href in sanitized HTML (always quoted).
HREF = re.compile(r"""href=(["'])([^"']*)\1""")
HEADING_TOP = re.compile(r"<(/?)h1\b", re.IGNORECASE)
HEADING_DEEP = re.compile(r"<(/?)h[56]\b", re.IGNORECASE)
#: Elements WordPress does not put inside a paragraph.
BLOCKS = (
    "address|article|aside|blockquote|caption|col|colgroup|dd|details|div|dl|"
    "dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|legend|li|"
    "math|menu|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul"
)
BLOCK_OPENS = re.compile(rf"(<(?:{BLOCKS})(?=[\s/>]))", re.IGNORECASE)
BLOCK_CLOSES = re.compile(rf"(</(?:{BLOCKS})>)", re.IGNORECASE)
BLOCK_START = re.compile(rf"</?(?:{BLOCKS})(?=[\s/>])", re.IGNORECASE)
PRE = re.compile(r"<pre[\s>].*?</pre>", re.IGNORECASE | re.DOTALL)
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
#: An image address, on any host: the part from the year/month folder (or
#: the file alone) is where it sits in a copy of the uploads folder, whether
#: the address is /wp-content/uploads/2024/02/x.jpg on the clinic's old host
#: or clinic.files.wordpress.com/2024/02/x.jpg.
UPLOAD = re.compile(
    r"https?://[^\s\"'<>/?#]+(?:/[^\s\"'<>?#]*?)??/"
    r"(?:wp-content/uploads/|files/)?"
    r"((?:\d{4}/\d{2}/)?[^\s\"'<>?#/]+\.(?:jpe?g|png|gif|webp))(?=[\s\"'<>?#]|$)",
    re.IGNORECASE,
)
COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.TRASH,
}


class ImportRefused(Exception):
    """The file cannot be imported at all; nothing was written."""


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    kept_urls: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def add(self, kind, outcome, n=1):
        self.counts[(kind, outcome)] += n

    def lines(self):
        kinds = sorted({kind for kind, _ in self.counts})
        out = []
        for kind in kinds:
            parts = [
                f"{self.counts[(kind, outcome)]} {outcome}"
                for outcome in ("created", "updated", "unchanged", "skipped", "failed")
                if self.counts[(kind, outcome)]
            ]
            out.append(f"{kind}: {', '.join(parts)}")
        out += [f"failed: {failure}" for failure in self.failures]
        out += [f"note: {note}" for note in self.notes]
        if self.kept_urls:
            out.append(
                "images left at their WordPress addresses (readers will not see "
                "them; add the files to --media-dir and run again):"
            )
            out += [f"  “{title}”: {url}" for title, url in sorted(set(self.kept_urls))]
        return out


def _text(element, path, namespaces=NS, default=""):
    found = element.find(path, namespaces)
    return (found.text or "").strip() if found is not None else default


class WXR:
    """A parsed export; `wp(name)` finds a WordPress-namespaced child."""

    def __init__(self, path):
        try:
            tree = ElementTree.parse(path, forbid_dtd=True)
        except DefusedXmlException as error:
            raise ImportRefused(
                f"The file uses XML features that are refused for safety ({error})."
            ) from None
        except ElementTree.ParseError as error:
            raise ImportRefused(f"The file is not well-formed XML: {error}.") from None
        except OSError as error:
            raise ImportRefused(f"Cannot read the file: {error.strerror}.") from None
        self.channel = tree.getroot().find("channel")
        self.wp_ns = next(
            (
                ns
                for ns in WP_NAMESPACES
                if self.channel is not None
                and self.channel.find(f"{{{ns}}}wxr_version") is not None
            ),
            None,
        )
        if self.wp_ns is None:
            raise ImportRefused(
                "This is not a WordPress export (WXR): no wp:wxr_version found."
            )
        version = self.wp(self.channel, "wxr_version")
        if version not in WXR_VERSIONS:
            raise ImportRefused(
                f"This export is WXR version {version!r}; versions "
                f"{', '.join(WXR_VERSIONS)} can be imported."
            )
        self.excerpt_ns = EXCERPT_NAMESPACES[WP_NAMESPACES.index(self.wp_ns)]

    def wp(self, element, name, default=""):
        found = element.find(f"{{{self.wp_ns}}}{name}")
        return (found.text or "").strip() if found is not None else default

    def all(self, element, name):
        return element.findall(f"{{{self.wp_ns}}}{name}")


def _slug(value, fallback, length):
    """
    A slug this site's addresses accept, from WordPress's (which may be
    percent-encoded and non-Latin): its ASCII slug, else `fallback` with a
    short hash of the original, so two different ones never merge.
    """
    text = unquote(value or "")
    slug = slugify(text)[:length]
    if slug:
        return slug
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{fallback}-{digest}"


#: Providers of embeds, by host.
PROVIDERS = {
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "vimeo.com": "Vimeo",
    "soundcloud.com": "SoundCloud",
    "spotify.com": "Spotify",
    "twitter.com": "X",
    "x.com": "X",
    "instagram.com": "Instagram",
    "facebook.com": "Facebook",
    "tiktok.com": "TikTok",
}


def _embed_link(url):
    """An embedded page as a link that names its provider."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    provider = next(
        (name for domain, name in PROVIDERS.items() if host.endswith(domain)),
        host or url,
    )
    return f'<p><a href="{escape(url)}">View on {escape(provider)}</a></p>'


def render_media(body, attachments):
    """
    Write WordPress's media shortcodes and embeds as this site can show
    them: a gallery as its images (`attachments`: WordPress ID -> address;
    imported with the others), audio, video and embeds as links naming
    where they play. Linear in the body.
    """

    def gallery(match):
        ids = re.findall(r"\d+", (GALLERY_IDS.search(match.group(1)) or [""])[0])
        urls = [attachments[i] for i in ids if i in attachments]
        return "".join(
            f'<figure class="image"><img src="{escape(url)}" alt=""></figure>'
            for url in urls
        )

    def media(match):
        kind, attributes = match.group(1).lower(), match.group(2)
        found = MEDIA_SOURCE.search(attributes)
        if not found:
            return ""
        label = "Listen to the recording" if kind == "audio" else "Watch the video"
        return f'<p><a href="{escape(found.group(1))}">{label}</a></p>'

    def embed(match):
        return _embed_link(match.group(1))

    body = GALLERY.sub(gallery, body)
    body = MEDIA.sub(media, body)
    body = EMBED.sub(embed, body)
    if "<!-- wp:" not in body:
        # A classic post's address alone on a line is an embed there.
        body = BARE_URL_LINE.sub(lambda match: _embed_link(match.group(1)), body)
    return body


def _request_path(path):
    """
    An old address as Django will see it when a browser asks for it:
    WordPress writes non-Latin slugs percent-encoded in lower case, the
    request arrives in upper case.
    """
    path, _, query = path.partition("?")
    path = escape_uri_path(unquote(path))
    return f"{path}?{query}" if query else path


def _plain_title(value):
    """A title as text: WordPress titles may hold markup and entities."""
    return " ".join(unescape(strip_tags(unescape(value))).split())


def _strip_block_comments(html):
    """
    Remove Gutenberg's <!-- wp:… --> comments in one pass: each comment is
    searched for its end once, and once no end is left, none is looked for.
    """
    kept, position = [], 0
    while (start := html.find("<!--", position)) >= 0:
        end = html.find("-->", start + 4)
        if end < 0:
            break  # Unclosed: the sanitizer drops what is left of it.
        if BLOCK_COMMENT.match(html, start + 4):
            kept.append(html[position:start])
        else:
            kept.append(html[position : end + 3])
        position = end + 3
    kept.append(html[position:])
    return "".join(kept)


def paragraphs_from_lines(text):
    """
    Give classic-editor text its paragraphs as WordPress shows it: a blank
    line ends a paragraph, a single line break is a <br>, and block
    elements (lists, quotes, headings, tables…) stand on their own between
    paragraphs. <pre> keeps its lines. Linear in the text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []

    def keep(match):
        kept.append(match.group(0))
        return f"\n\n\x00{len(kept) - 1}\x00\n\n"

    text = PRE.sub(keep, text)
    text = BLOCK_OPENS.sub(r"\n\n\1", text)
    text = BLOCK_CLOSES.sub(r"\1\n\n", text)
    out = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if chunk.startswith("\x00") or BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append(f"<p>{chunk.replace(chr(10), '<br>')}</p>")
    html = "".join(out)
    return PLACEHOLDER.sub(lambda match: kept[int(match.group(1))], html)


def clean_body(html):
    """Strip Gutenberg block comments and shortcodes; give classic-editor
    text its paragraphs (block-editor content has its own); sanitize."""
    from_block_editor = "<!-- wp:" in html
    html = _strip_block_comments(html)
    html = SHORTCODE.sub("", html)
    # The article's title is its h1, and headings go from h2 to h4 here.
    html = HEADING_TOP.sub(r"<\1h2", html)
    html = HEADING_DEEP.sub(r"<\1h4", html)
    if not from_block_editor:
        html = paragraphs_from_lines(html)
    return sanitize_html(html)


def _date(value):
    if not value or value.startswith("0000"):
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


class Importer:
    def __init__(
        self,
        wxr,
        *,
        reviewed_by=None,
        pages_category=None,
        create_users=False,
        pingbacks_as_backlinks=False,
        media_dir=None,
        dry_run=False,
        overwrite=False,
    ):
        self.wxr = wxr
        self.overwrite = overwrite
        #: Old address (the permalink, its path, /?p=ID) -> new article path.
        self.new_paths = {}
        self.old_hosts = set()
        #: The articles this run wrote, whose links are read at the end.
        self.imported = []
        self.reviewed_by = reviewed_by
        self.pages_category = pages_category
        self.create_users = create_users
        self.pingbacks = pingbacks_as_backlinks
        self.media_dir = Path(media_dir) if media_dir else None
        self.dry_run = dry_run
        self.report = Report()
        self.attachments = {}
        self.planned_slugs = {}
        self.current_title = ""

    def run(self):
        channel = self.wxr.channel
        with transaction.atomic():
            self.authors = self.import_authors(channel)
            self.categories = self.import_categories(channel)
            self.tags = self.import_tags(channel)
            if self.dry_run:
                transaction.set_rollback(True)
        for item in channel.findall("item"):
            if self.wxr.wp(item, "post_type") == "attachment":
                self.attachments[self.wxr.wp(item, "post_id")] = self.wxr.wp(
                    item, "attachment_url"
                )
        if not self.dry_run:
            self.redirect_archives()
        self.plan_addresses(channel)
        for item in channel.findall("item"):
            kind = self.wxr.wp(item, "post_type")
            if kind not in ("post", "page"):
                continue
            if kind == "page" and not self.pages_category:
                self.report.add("pages", "skipped")
                continue
            title = _text(item, "title") or self.wxr.wp(item, "post_id")
            try:
                with transaction.atomic():
                    self.import_post(item, kind)
                    if self.dry_run:
                        transaction.set_rollback(True)
            except (ValidationError, ValueError, KeyError) as error:
                message = "; ".join(getattr(error, "messages", [str(error)]))
                self.report.add("posts", "failed")
                self.report.failures.append(f"“{title}”: {message}")
        # Once every post exists, links to later ones resolve too.
        if not self.dry_run:  # A dry run kept nothing to link.
            for article in self.imported:
                sync_article_links(article=Article.objects.get(pk=article.pk))
        return self.report

    def redirect_archives(self):
        """
        The old site's archive pages lead to their pages here: each category,
        tag and author, and the feed. A redirect already made by an editor
        is left alone.
        """
        site = Site.objects.get_current()
        targets = {"/feed/": reverse("feed-rss")}
        for nicename, category in self.categories.items():
            targets[f"/category/{nicename}/"] = category.get_absolute_url()
        for nicename, tag in self.tags.items():
            if isinstance(nicename, str):
                targets[f"/tag/{nicename}/"] = tag.get_absolute_url()
        for login, person in self.authors.items():
            targets[f"/author/{login}/"] = person.get_absolute_url()
        for old_path, new_path in targets.items():
            Redirect.objects.get_or_create(
                site=site,
                old_path=_request_path(old_path)[:200],
                defaults={"new_path": new_path},
            )

    def plan_addresses(self, channel):
        """
        Before any post is written, learn the new address of every post in
        the file, so that links between them (forward ones included) can be
        rewritten from the old site's addresses to the new ones.
        """
        for tag in ("link", f"{{{self.wxr.wp_ns}}}base_site_url"):
            host = urlsplit(_text(channel, tag)).netloc.lower()
            if host:
                self.old_hosts.add(host)
        planned = set()
        existing = dict(
            Article.objects.filter(wordpress_id__isnull=False).values_list(
                "wordpress_id", "slug"
            )
        )
        for item in channel.findall("item"):
            kind = self.wxr.wp(item, "post_type")
            if kind not in ("post", "page") or (
                kind == "page" and not self.pages_category
            ):
                continue
            post_id = self.wxr.wp(item, "post_id")
            if not post_id.isascii() or not post_id.isdigit():
                continue  # Reported when the post itself is imported.
            if int(post_id) in existing:
                slug = existing[int(post_id)]
            else:
                title = _plain_title(_text(item, "title"))
                base = _slug(self.wxr.wp(item, "post_name") or title, "post", 190)
                slug = Article.objects.free_slug(base)
                n = 2
                while slug in planned:
                    slug, n = Article.objects.free_slug(f"{base}-{n}"), n + 1
            planned.add(slug)
            path = reverse("articles:detail", kwargs={"slug": slug})
            self.planned_slugs[post_id] = slug
            link = urlsplit(_text(item, "link"))
            if link.netloc:
                self.old_hosts.add(link.netloc.lower())
            for old in (
                link.path + (f"?{link.query}" if link.query else ""),
                f"/?p={post_id}",
                f"/?page_id={post_id}",
            ):
                if old and old != "/":
                    self.new_paths[old] = path

    def rewrite_links(self, body):
        """Point links to posts on the old site at their new addresses."""

        def new_href(match):
            quote, href = match.group(1), unescape(match.group(2))
            parts = urlsplit(href)
            if parts.netloc and parts.netloc.lower() not in self.old_hosts:
                return match.group(0)
            if not parts.netloc and not href.startswith("/"):
                return match.group(0)
            old = parts.path + (f"?{parts.query}" if parts.query else "")
            path = self.new_paths.get(old) or self.new_paths.get(old.rstrip("/") + "/")
            if path is None:
                return match.group(0)
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            return f"href={quote}{path}{fragment}{quote}"

        return HREF.sub(new_href, body)

    # Terms and people -------------------------------------------------

    def import_authors(self, channel):
        authors = {}
        for element in self.wxr.all(channel, "author"):
            login = self.wxr.wp(element, "author_login")
            name = self.wxr.wp(element, "author_display_name") or login
            person, created = Person.objects.get_or_create(
                slug=_slug(login, "author", 120), defaults={"name": name}
            )
            self.report.add("authors", "created" if created else "unchanged")
            if self.create_users and person.user_id is None:
                self.create_user(person, login, self.wxr.wp(element, "author_email"))
            authors[login] = person
        return authors

    def create_user(self, person, login, email):
        """
        Give `person` a new account without a password (set one with
        create_user or the admin). An existing account is never changed
        or taken over: an export may name any login, "admin" included.
        """
        from django.contrib.auth import get_user_model

        User = get_user_model()
        if User.objects.filter(username__iexact=login).exists():
            self.report.notes.append(
                f"An account named {login!r} already exists: it was left as it "
                f"is, and {person.name} was given no account."
            )
            return
        user = User(username=login[:150], email=email[:254])
        user.set_unusable_password()
        user.save()
        person.user = user
        person.save(update_fields=["user"])

    def import_categories(self, channel):
        categories = {}
        elements = self.wxr.all(channel, "category")
        parents = {}
        for element in elements:
            slug = self.wxr.wp(element, "category_nicename")
            categories[slug] = self.category(
                slug,
                self.wxr.wp(element, "cat_name"),
                _plain_title(self.wxr.wp(element, "category_description")),
            )
            parents[slug] = self.wxr.wp(element, "category_parent")
        for slug in parents:
            # Two levels here: a grandchild hangs from the top-level parent.
            top, seen = slug, set()
            while parents.get(top) in categories and top not in seen:
                seen.add(top)
                top = parents[top]
            if top != slug and not categories[slug].parent_id:
                categories[slug].parent = categories[top]
                categories[slug].save(update_fields=["parent"])
        return categories

    def import_tags(self, channel):
        tags = {}
        for element in self.wxr.all(channel, "tag"):
            slug = self.wxr.wp(element, "tag_slug")
            tags[slug] = self.tag(slug, self.wxr.wp(element, "tag_name"))
        return tags

    def category(self, nicename, name, description=""):
        """The category a WordPress term names, made if it is new here."""
        name = _plain_title(name) or unquote(nicename)
        category, created = Category.objects.get_or_create(
            slug=_slug(nicename, "category", 100),
            defaults={"name": name[:100], "description": description},
        )
        if not created and description and not category.description:
            category.description = description
            category.save(update_fields=["description"])
        self.report.add("categories", "created" if created else "unchanged")
        return category

    def tag(self, nicename, name):
        """The tag a WordPress term names, made if it is new here."""
        name = (_plain_title(name) or unquote(nicename))[:60]
        # Names are unique here; WordPress allows two tags of one name.
        tag = Tag.objects.filter(name__iexact=name).first()
        created = False
        if tag is None:
            tag, created = Tag.objects.get_or_create(
                slug=_slug(nicename, "tag", 60), defaults={"name": name}
            )
        self.report.add("tags", "created" if created else "unchanged")
        return tag

    # Posts ----------------------------------------------------------------

    def import_post(self, item, kind):
        wp = self.wxr.wp
        post_id = int(wp(item, "post_id"))
        status = wp(item, "status")
        title = _plain_title(_text(item, "title"))[:200] or f"Post {post_id}"
        self.current_title = title
        if wp(item, "post_password") and status in ("publish", "future"):
            # Only readers with the password saw it there: not public here.
            self.report.notes.append(
                f"“{title}” was protected by a password in WordPress; it was "
                "imported as a draft."
            )
            status = "draft"
        raw_body = render_media(_text(item, "content:encoded"), self.attachments)
        dropped = sorted(
            {name.lower() for name in SHORTCODE_NAME.findall(raw_body)} - KEPT_INSIDE
        )
        if dropped:
            self.report.notes.append(
                f"“{title}”: shortcodes not rendered here were removed: "
                + ", ".join(f"[{name}]" for name in dropped)
            )
        body = clean_body(raw_body)
        body = self.rewrite_images(body)
        body = self.rewrite_links(body)
        summary = text_summary(
            item.findtext(f"{{{self.wxr.excerpt_ns}}}encoded") or "", limit=None
        )
        category = self.category_for(item, kind)
        article = Article.objects.filter(wordpress_id=post_id).first()
        fields = {
            "title": title,
            "body": body,
            "summary": summary,
            "category": category,
            "author": self.authors.get(_text(item, "dc:creator")),
            "is_featured": wp(item, "is_sticky") == "1",
            "allow_comments": wp(item, "comment_status", "open") != "closed",
        }
        created = article is None
        if created or article.working_version().featured_image_id is None:
            image = self.featured_image(item)
            if image is not None:
                fields["featured_image"] = image
                fields["featured_image_is_decorative"] = True
        published = _date(wp(item, "post_date_gmt")) or _date(wp(item, "post_date"))
        if created:
            slug = self.planned_slugs.get(str(post_id)) or Article.objects.free_slug(
                _slug(wp(item, "post_name") or fields["title"], "post", 190)
            )
            article = create_article(
                article=Article(
                    wordpress_id=post_id,
                    slug=slug,
                    publish_at=published if status == "future" else None,
                    **fields,
                ),
                comment="Imported from WordPress",
            )
        kept_local = False
        if not created:
            version = article.working_version()
            before = (article.status, version.status, version.publish_at)
            content = {k: v for k, v in fields.items() if k in Article.SIGNED_FIELDS}
            navigation = {
                k: v for k, v in fields.items() if k not in Article.SIGNED_FIELDS
            }
            if status == "future":
                navigation["publish_at"] = published
            same = all(
                getattr(version, k) == v
                for k, v in content.items()
                # An empty excerpt leaves the summary derived from the body.
                if v or k != "summary"
            )
            edited_here = version.content_changed_by_id is not None
            if not same and edited_here and not self.overwrite:
                # Someone here edited the text since it was imported: theirs
                # is kept, and WordPress's changes wait for a person.
                self.report.notes.append(
                    f"“{version.title}” was changed here after its import: "
                    "skipped (--overwrite replaces it with WordPress's text, "
                    "as unpublished changes)."
                )
                content, same, kept_local = {}, True, True
            navigation = {
                k: v
                for k, v in navigation.items()
                if getattr(version if k == "publish_at" else article, k) != v
            }
            if not same or navigation:
                # A live article keeps its signed-off version; the new text
                # becomes its draft.
                save_version(
                    article=article,
                    content=content,
                    navigation=navigation,
                    comment="Updated from WordPress",
                )
                article.refresh_from_db()
            unchanged = same and not navigation
        # The reviewer named on the command line vouches for WordPress's
        # text, not for what was written here.
        self.apply_status(article, status, published, vouch=not kept_local)
        if not created and unchanged:
            version = article.working_version()
            unchanged = before == (article.status, version.status, version.publish_at)
        article.tags.set(self.post_tags(item, kind))
        self.imported.append(article)
        self.redirect_old_urls(item, article, post_id)
        if created:
            outcome = "created"
        elif kept_local:
            outcome = "skipped"
        else:
            outcome = "unchanged" if unchanged else "updated"
        self.report.add("posts", outcome)
        self.import_comments(item, article)

    def category_for(self, item, kind):
        if kind == "page":
            slug = slugify(self.pages_category)[:100] or "pages"
            category, _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": self.pages_category[:100]}
            )
            return category
        for term in item.findall("category"):
            if term.get("domain") == "category" and term.get("nicename"):
                return self.term_category(term)
        category, _ = Category.objects.get_or_create(
            slug="uncategorized", defaults={"name": "Uncategorized"}
        )
        return category

    def term_category(self, term):
        """The category a post's term names, made when the export's channel
        did not declare it."""
        nicename = term.get("nicename")
        if nicename not in self.categories:
            self.categories[nicename] = self.category(nicename, term.text or "")
        return self.categories[nicename]

    def term_tag(self, term):
        """The tag a post's term names (a tag, or a category after the
        first), made when the export's channel did not declare it."""
        nicename = term.get("nicename")
        key = ("tag", nicename) if term.get("domain") == "category" else nicename
        if key not in self.tags:
            self.tags[key] = self.tag(nicename, term.text or "")
        return self.tags[key]

    def post_tags(self, item, kind):
        """Every tag of a post, and every category after its first (an
        article here has one category)."""
        tags, first_category = [], kind != "page"
        for term in item.findall("category"):
            if not term.get("nicename"):
                continue
            if term.get("domain") == "post_tag":
                tags.append(self.term_tag(term))
            elif term.get("domain") == "category":
                if first_category:
                    first_category = False
                    continue
                tags.append(self.term_tag(term))
        return tags

    def apply_status(self, article, status, published, *, vouch=True):
        """Bring the article to the state its WordPress status means, through
        the workflow writers (each step records a revision). With `vouch`
        off, the --reviewed-by reviewer signs nothing off."""
        reviewer = self.reviewed_by if vouch else None
        if status == "publish" and reviewer is None:
            self.report.notes.append(
                f"“{article.title}” was public in WordPress; it waits for a "
                "medical sign-off (pass --reviewed-by to publish on import)."
            )
        if status in ("publish", "future"):
            # A scheduled post is not public in WordPress: nor is it here.
            future_but_live = status == "future" and article.is_live
            if article.status == Article.Status.ARCHIVED or future_but_live:
                record_withdrawal(article=article, status=Article.Status.DRAFT)
            version = article.working_version()
            if version.status == Article.Status.DRAFT:
                version = record_submission(article=article)
            if reviewer is not None and not version.has_current_sign_off:
                # The reviewer named on the command line vouches for this text.
                version = record_sign_off(article=article, reviewer=reviewer)
            publish = status == "publish" and reviewer is not None
            if publish and version.status != Article.Status.PUBLISHED:
                # A new version of a live article is dated now; its first
                # publication date stays.
                at = None if article.is_live else published
                record_publication(article=article, at=at)
            if status == "future" and version.publish_at != published:
                # A withdrawal above cleared the schedule WordPress had.
                version.publish_at = published
                version.save(
                    update_fields=["publish_at"]
                    + (["updated_at"] if version is article else [])
                )
        elif status == "trash":
            if article.status != Article.Status.ARCHIVED:
                record_withdrawal(article=article, status=Article.Status.ARCHIVED)
        elif article.status != Article.Status.DRAFT:  # draft, pending, private
            record_withdrawal(article=article, status=Article.Status.DRAFT)

    def redirect_old_urls(self, item, article, post_id):
        """Point the post's old addresses at its new page, once it is
        public: a redirect to a draft would only lead to a 404."""
        if not article.is_live:
            return
        site = Site.objects.get_current()
        new_path = article.get_absolute_url()
        old_paths = {f"/?p={post_id}"}
        if self.wxr.wp(item, "post_type") == "page":
            old_paths.add(f"/?page_id={post_id}")
        link = _text(item, "link")
        if link:
            parts = urlsplit(link)
            old_paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
        for old_path in old_paths:
            old_path = _request_path(old_path)
            if old_path and old_path != new_path:
                Redirect.objects.update_or_create(
                    site=site, old_path=old_path[:200], defaults={"new_path": new_path}
                )

    # Images ----------------------------------------------------------------

    def local_image(self, url):
        """Return an Image for an uploads URL found in --media-dir, or None."""
        match = UPLOAD.match(url)
        if self.media_dir is None or match is None:
            self.report.kept_urls.append((self.current_title, url))
            return None
        path = (self.media_dir / match.group(1)).resolve()
        if self.media_dir.resolve() not in path.parents or not path.is_file():
            self.report.kept_urls.append((self.current_title, url))
            return None
        if self.dry_run:
            return None
        # The uploads path names the image, so a second run reuses it.
        title = f"wordpress:{match.group(1)}"[:200]
        image = Image.objects.filter(title=title).first()
        if image is not None:
            return image
        with path.open("rb") as handle:
            cleaned = clean_image(File(handle, name=path.name))
        image = Image(title=title)
        image.file.save(cleaned.name, cleaned)
        self.report.add("images", "created")
        return image

    def rewrite_images(self, body):
        def replace(match):
            image = self.local_image(match.group(0))
            return image.file.url if image else match.group(0)

        return UPLOAD.sub(replace, body)

    def featured_image(self, item):
        """Return the post's featured image from the media folder, or None."""
        for meta in self.wxr.all(item, "postmeta"):
            if self.wxr.wp(meta, "meta_key") != "_thumbnail_id":
                continue
            url = self.attachments.get(self.wxr.wp(meta, "meta_value"))
            if url:
                return self.local_image(url)
        return None

    # Comments ---------------------------------------------------------------

    def import_comments(self, item, article):
        wp = self.wxr.wp
        elements = sorted(
            self.wxr.all(item, "comment"), key=lambda c: int(wp(c, "comment_id"))
        )
        by_wp_id = {}
        for element in elements:
            wp_id = int(wp(element, "comment_id"))
            kind = wp(element, "comment_type")
            if kind in ("pingback", "trackback"):
                self.import_pingback(element, article)
                continue
            existing = Comment.objects.filter(wordpress_id=wp_id).first()
            if existing is not None:
                by_wp_id[wp_id] = existing
                self.report.add("comments", "unchanged")
                continue
            parent = by_wp_id.get(int(wp(element, "comment_parent") or 0))
            while parent is not None and parent.depth >= Comment.MAX_DEPTH:
                parent = parent.parent
            comment = Comment(
                article=article,
                parent=parent,
                wordpress_id=wp_id,
                author_name=wp(element, "comment_author")[:80] or "Anonymous",
                author_email=wp(element, "comment_author_email")[:254],
                author_url=wp(element, "comment_author_url")[:300],
                # Kept whole: WordPress allows longer comments than readers
                # may post here, and cutting one would change what it says.
                body=wp(element, "comment_content"),
                ip_hash=hash_ip(wp(element, "comment_author_IP")),
                status=COMMENT_STATUS.get(
                    wp(element, "comment_approved"), Comment.Status.PENDING
                ),
                status_reasons=["imported from WordPress"],
                created_at=_date(wp(element, "comment_date_gmt")) or timezone.now(),
            )
            comment.save()
            by_wp_id[wp_id] = comment
            self.report.add("comments", "created")

    def import_pingback(self, element, article):
        url = self.wxr.wp(element, "comment_author_url")
        if not self.pingbacks or not url.startswith(("http://", "https://")):
            self.report.add("pingbacks", "skipped")
            return
        _, created = Backlink.objects.get_or_create(
            source_url=url[:2000],
            target_article=article,
            defaults={"via": Backlink.Via.WORDPRESS},
        )
        self.report.add("backlinks", "created" if created else "unchanged")
