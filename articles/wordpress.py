"""
Importing a WordPress export (WXR 1.0 to 1.2), read as a stream with
defusedxml: one pass to check the file and plan every post's new address,
a second to import the posts in batches (see Importer). Rows keep their
WordPress IDs, so running the same file again updates instead of
duplicating, and goes on where an interrupted run stopped.
"""

import dataclasses
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.html import escape, strip_tags
from django.utils.text import slugify

from comments.models import Comment, hash_ip

from .hub.models import Backlink
from .hub.services.links import sync_links
from .images import clean_image
from .models import Article, Category, Image, Person, Tag
from .richtext import sanitize_html, text_summary
from .services import (
    IMPORT_READING_REASON,
    create_article,
    create_articles,
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
#: A quoted href in a post's HTML.
HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
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


#: What importing one post may raise for a fault in that post (or what the
#: database makes of it): reported as its failure, the rest imported.
POST_ERRORS = (DataError, IntegrityError, ValidationError, ValueError, KeyError)


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

    def merge(self, other):
        self.counts.update(other.counts)
        self.failures += other.failures
        self.kept_urls += other.kept_urls
        self.notes += other.notes

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


def _local(tag):
    """An element's name without its namespace, and the namespace."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return name, namespace
    return tag, ""


@dataclass
class Post:
    """A post or page of the export: what its <item> says, as plain values."""

    post_id: str
    kind: str
    status: str
    raw_title: str
    name: str
    link: str
    content: str
    excerpt: str
    creator: str
    date_gmt: str
    date: str
    sticky: bool
    comments_open: bool
    password: bool
    #: (domain, nicename, name) of each category and tag, in order.
    terms: tuple
    #: The post's metadata this import reads (featured image, primary
    #: category).
    meta: dict
    #: Each comment, pingback and trackback, as a dict of WordPress's fields.
    comments: list

    @property
    def title(self):
        return _plain_title(self.raw_title)[:200] or f"Post {self.post_id}"

    @property
    def number(self):
        """The WordPress ID as a number; ValueError when it is not one."""
        if not (self.post_id.isascii() and self.post_id.isdigit()):
            raise ValueError(f"the post ID {self.post_id!r} is not a number")
        return int(self.post_id)

    @property
    def published(self):
        return _date(self.date_gmt) or _date(self.date)

    def fingerprint(self, settings):
        """A hash of everything the import reads from this post, with the
        options that change what it makes of it."""
        text = repr((dataclasses.astuple(self), settings))
        return hashlib.sha256(text.encode()).hexdigest()


#: The metadata a post's import reads.
POST_META = (
    "_thumbnail_id",
    "_yoast_wpseo_primary_category",
    "rank_math_primary_category",
)
COMMENT_FIELDS = (
    "comment_id",
    "comment_author",
    "comment_author_email",
    "comment_author_url",
    "comment_author_IP",
    "comment_date_gmt",
    "comment_content",
    "comment_approved",
    "comment_type",
    "comment_parent",
)


class WXR:
    """
    A WordPress export, read as a stream: opening it reads the whole file
    once to check it and to learn its authors, terms, attachments and the
    address of every post; `posts()` then reads it again one item at a
    time. Memory holds one item, never the whole file.
    """

    def __init__(self, path):
        self.path = str(path)
        self.wp_ns = None
        self.hosts = set()
        self.authors, self.categories, self.tags = [], [], []
        #: WordPress ID -> address of each attachment.
        self.attachments = {}
        #: (post ID, type, slug, permalink path) of each post and page.
        self.entries = []
        for element in self._channel_items():
            self._learn(element)
        if self.wp_ns is None:
            raise ImportRefused(
                "This is not a WordPress export (WXR): no wp:wxr_version found."
            )

    def _channel_items(self):
        """
        Yield each child of <channel> once it is read whole, then drop it.
        Refuse, with the reason, a file that is not safe, well-formed XML.
        """
        try:
            depth, channel = 0, None
            events = ElementTree.iterparse(
                self.path, events=("start", "end"), forbid_dtd=True
            )
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 2 and element.tag == "channel":
                        channel = element
                    continue
                depth -= 1
                if depth == 2 and channel is not None:
                    yield element
                    channel.remove(element)
                elif depth == 1 and element is channel:
                    channel = None
        except DefusedXmlException as error:
            raise ImportRefused(
                f"The file uses XML features that are refused for safety ({error})."
            ) from None
        except ElementTree.ParseError as error:
            raise ImportRefused(f"The file is not well-formed XML: {error}.") from None
        except OSError as error:
            raise ImportRefused(f"Cannot read the file: {error.strerror}.") from None

    def _learn(self, element):
        name, namespace = _local(element.tag)
        if self.wp_ns is None:
            if name == "wxr_version" and namespace in WP_NAMESPACES:
                version = (element.text or "").strip()
                if version not in WXR_VERSIONS:
                    raise ImportRefused(
                        f"This export is WXR version {version!r}; versions "
                        f"{', '.join(WXR_VERSIONS)} can be imported."
                    )
                self.wp_ns = namespace
                self.excerpt_ns = EXCERPT_NAMESPACES[WP_NAMESPACES.index(namespace)]
            elif name == "item" or namespace in WP_NAMESPACES:
                # WordPress writes the version first: this is something else.
                raise ImportRefused(
                    "This is not a WordPress export (WXR): no wp:wxr_version found."
                )
            elif name == "link":
                self._learn_host(element.text)
            return
        if namespace == self.wp_ns:
            if name in ("base_site_url", "base_blog_url"):
                self._learn_host(element.text)
            elif name == "author":
                self.authors.append(element)
            elif name == "category":
                self.categories.append(element)
            elif name == "tag":
                self.tags.append(element)
        elif name == "link" and not namespace:
            self._learn_host(element.text)
        elif name == "item":
            kind = self.wp(element, "post_type")
            post_id = self.wp(element, "post_id")
            if kind == "attachment":
                self.attachments[post_id] = self.wp(element, "attachment_url")
            elif kind in ("post", "page"):
                name = self.wp(element, "post_name")
                link = urlsplit(_text(element, "link"))
                self._learn_host(link.geturl())
                self.entries.append(
                    (
                        post_id,
                        kind,
                        _slug(
                            name or _plain_title(_text(element, "title")), "post", 190
                        ),
                        link.path + (f"?{link.query}" if link.query else ""),
                    )
                )

    def _learn_host(self, url):
        host = urlsplit((url or "").strip()).netloc.lower()
        if host:
            self.hosts.add(host)

    def posts(self):
        """Yield each post and page as a Post, in the file's order."""
        for element in self._channel_items():
            if element.tag != "item":
                continue
            kind = self.wp(element, "post_type")
            if kind in ("post", "page"):
                yield self._post(element, kind)

    def _post(self, item, kind):
        wp = self.wp
        meta = {}
        for element in self.all(item, "postmeta"):
            key = wp(element, "meta_key")
            if key in POST_META:
                meta[key] = wp(element, "meta_value")
        return Post(
            post_id=wp(item, "post_id"),
            kind=kind,
            status=wp(item, "status"),
            raw_title=_text(item, "title"),
            name=wp(item, "post_name"),
            link=_text(item, "link"),
            content=_text(item, "content:encoded"),
            excerpt=(item.findtext(f"{{{self.excerpt_ns}}}encoded") or "").strip(),
            creator=_text(item, "dc:creator"),
            date_gmt=wp(item, "post_date_gmt"),
            date=wp(item, "post_date"),
            sticky=wp(item, "is_sticky") == "1",
            comments_open=wp(item, "comment_status", "open") != "closed",
            password=bool(wp(item, "post_password")),
            terms=tuple(
                (term.get("domain"), term.get("nicename"), term.text or "")
                for term in item.findall("category")
            ),
            meta=meta,
            comments=[
                {name: wp(element, name) for name in COMMENT_FIELDS}
                for element in self.all(item, "comment")
            ],
        )

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


def render_media(body, attachments, missing=None):
    """
    Write WordPress's media shortcodes and embeds as this site can show
    them: a gallery as its images (`attachments`: WordPress ID -> address;
    imported with the others; IDs not there are added to `missing`), audio,
    video and embeds as links naming where they play. Linear in the body.
    """

    def gallery(match):
        ids = re.findall(r"\d+", (GALLERY_IDS.search(match.group(1)) or [""])[0])
        if missing is not None:
            missing.extend(i for i in ids if i not in attachments)
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


#: What a new post's first revision says the import made of it.
PUBLISHED = (
    "Imported from WordPress, signed off by %(reviewer)s for the import "
    "(--reviewed-by) and published"
)
SCHEDULED = (
    "Imported from WordPress, signed off by %(reviewer)s for the import "
    "(--reviewed-by) and scheduled"
)
SUBMITTED = "Imported from WordPress and sent for medical review"
ARCHIVED = "Imported from WordPress's trash and archived"
DRAFTED = "Imported from WordPress as a draft"


class Importer:
    """
    Import a WXR's posts in batches. A new post costs a share of a few bulk
    inserts; a post imported before and unchanged in the file (its
    fingerprint is stored) costs nothing; a changed one goes through the
    editorial workflow on its own. Each batch is one transaction, so an
    interrupted run keeps every batch it finished and a second run goes on
    from there.
    """

    BATCH = 100

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
        category_mode="first",
    ):
        self.wxr = wxr
        self.overwrite = overwrite
        #: The old permalink's path (and query) -> the new slug; the slug
        #: of each WordPress ID is in `planned_slugs`.
        self.permalinks = {}
        self.old_hosts = set(wxr.hosts)
        self.reviewed_by = reviewed_by
        self.pages_category = pages_category
        self.create_users = create_users
        self.pingbacks = pingbacks_as_backlinks
        self.media_dir = Path(media_dir) if media_dir else None
        self.dry_run = dry_run
        self.category_mode = category_mode
        self.report = Report()
        self.attachments = wxr.attachments
        self.planned_slugs = {}
        self.current_title = ""
        #: The category of pages and of posts without one, by slug.
        self.fallbacks = {}
        #: The WordPress IDs of the posts read so far.
        self.seen = set()
        #: Links and attachments not found in the file (see gaps()).
        self.unresolved = 0
        #: What else decides what a post becomes here: a post imported with
        #: other settings is imported again.
        self.settings = (
            reviewed_by.pk if reviewed_by else None,
            pages_category,
            pingbacks_as_backlinks,
            str(media_dir or ""),
            category_mode,
        )

        #: How many posts (and pages, when asked for) the run goes through.
        self.total = sum(
            1 for _, kind, *_ in wxr.entries if kind == "post" or pages_category
        )

    def run(self, progress=None):
        """Import everything; call `progress(n)` after each batch of n posts."""
        with transaction.atomic():
            self.authors = self.import_authors()
            self.categories = self.import_categories()
            self.tags = self.import_tags()
            if self.dry_run:
                transaction.set_rollback(True)
        if not self.dry_run:
            self.redirect_archives()
        self.plan_addresses()
        batch = []
        for post in self.wxr.posts():
            if post.kind == "page" and not self.pages_category:
                self.report.add("pages", "skipped")
                continue
            batch.append(post)
            if len(batch) == self.BATCH:
                self.import_batch(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            self.import_batch(batch)
            if progress:
                progress(len(batch))
        if not self.dry_run:
            self.link_pending()
        return self.report

    def import_batch(self, posts):
        """Import a batch: skip what is unchanged, create the new posts
        together, update the others one by one."""
        numbers = {}
        for post in posts:
            try:
                number = post.number
            except ValueError as error:
                self.fail(post, error)
                continue
            if number in self.seen:
                self.fail(post, ValueError(f"a second post with the ID {number}"))
                continue
            self.seen.add(number)
            numbers[id(post)] = number
        known = Article.objects.filter(wordpress_id__in=numbers.values()).only(
            "pk", "wordpress_id", "wordpress_hash", "slug", "status"
        )
        known = {article.wordpress_id: article for article in known}
        new, changed, skipped = [], [], []
        for post in posts:
            if id(post) not in numbers:
                continue
            article = known.get(numbers[id(post)])
            if article is None:
                new.append(post)
            elif (
                article.wordpress_hash == post.fingerprint(self.settings)
                # --overwrite brings back WordPress's text over edits made
                # here, whether or not the post changed there.
                and not self.overwrite
            ):
                self.count_unchanged(post)
                skipped.append((post, article))
            else:
                changed.append(post)
        if new:
            self.create_posts(new)
        for post in changed:
            self.import_one(post)
        if skipped and not self.dry_run:
            # An article published here since the last run now gets the
            # post's old addresses.
            self.add_redirects(skipped)

    def gaps(self):
        """
        What the import could not complete so far: images left at their old
        address, and links, featured images and gallery images whose post
        or attachment is not in the file. A post with a gap keeps no
        fingerprint, so the next run imports it again.
        """
        return len(self.report.kept_urls), self.unresolved

    def fail(self, post, error):
        message = "; ".join(getattr(error, "messages", [str(error)]))
        self.report.add("posts", "failed")
        self.report.failures.append(f"“{post.title}”: {message}")

    def count_unchanged(self, post):
        self.report.add("posts", "unchanged")
        for row in post.comments:
            if row["comment_type"] not in ("pingback", "trackback"):
                self.report.add("comments", "unchanged")
            elif self.pingbacks:
                self.report.add("backlinks", "unchanged")
            else:
                self.report.add("pingbacks", "skipped")

    def import_one(self, post):
        known = self.known_terms()
        try:
            with transaction.atomic():
                self.import_post(post)
                if self.dry_run:
                    transaction.set_rollback(True)
        except POST_ERRORS as error:
            self.forget_terms_since(known)
            self.fail(post, error)

    def known_terms(self):
        return dict(self.categories), dict(self.tags), dict(self.fallbacks)

    def forget_terms_since(self, known):
        """After a rollback: forget the terms made since `known`, which the
        database no longer holds."""
        self.categories, self.tags, self.fallbacks = known

    def create_posts(self, posts):
        """
        Create new posts together: their articles, tags, comments, old
        addresses and links in a few bulk inserts, each article with a first
        revision that says what the import made of it. Should the batch
        fail as a whole, its posts are imported one by one, so that the
        report names the one at fault.
        """
        outer, known = self.report, self.known_terms()
        self.report = batch = Report()
        try:
            with transaction.atomic():
                self.create_together(posts)
                if self.dry_run:
                    transaction.set_rollback(True)
        except POST_ERRORS:
            self.report = outer
            self.forget_terms_since(known)
            for post in posts:
                self.import_one(post)
        else:
            outer.merge(batch)
        finally:
            # Interrupted or not, what is reported is what was kept.
            self.report = outer

    def create_together(self, posts):
        groups = {}
        made = []
        for post in posts:
            known = self.known_terms()
            try:
                # What a failing post made (terms, images) goes with it.
                with transaction.atomic():
                    article, step, complete = self.new_article(post)
            except POST_ERRORS as error:
                self.forget_terms_since(known)
                self.fail(post, error)
                continue
            signed = step in (PUBLISHED, SCHEDULED)
            groups.setdefault((step, signed), []).append((post, article))
            made.append((post, article, complete))
        for (step, signed), pairs in groups.items():
            create_articles(
                articles=[article for _, article in pairs],
                tags=[self.post_tags(post) for post, _ in pairs],
                comment=step % {"reviewer": getattr(self.reviewed_by, "name", "")},
                signed_off_by=self.reviewed_by if signed else None,
            )
        self.add_comments([(post, article) for post, article, _ in made])
        self.add_redirects([(post, article) for post, article, _ in made])
        sync_links([article for _, article, _ in made])
        for post, article, complete in made:
            self.report.add("posts", "created")
            article.wordpress_hash = post.fingerprint(self.settings) if complete else ""
        Article.objects.bulk_update(
            [article for _, article, _ in made], ["wordpress_hash"]
        )

    def new_article(self, post):
        """
        An unsaved article for a new post, in the state its WordPress status
        means; return it with the revision comment of that step and whether
        the import is complete (no image left behind).
        """
        post_id = post.number
        status = self.status_of(post)
        gaps = self.gaps()
        fields = self.fields_of(post)
        image = self.featured_image(post)
        if image is not None:
            fields["featured_image"] = image
            fields["featured_image_is_decorative"] = True
        article = Article(
            wordpress_id=post_id,
            slug=self.planned_slugs.get(post.post_id)
            or Article.objects.free_slug(_slug(post.name or post.title, "post", 190)),
            **fields,
        )
        published = post.published
        reviewer = self.reviewed_by
        if status == "publish" and reviewer is not None:
            article.status = Article.Status.PUBLISHED
            article.published_at = article.revised_at = published or timezone.now()
            step = PUBLISHED
        elif status == "future":
            article.status = Article.Status.IN_REVIEW
            article.publish_at = published
            step = SCHEDULED if reviewer is not None else SUBMITTED
        elif status == "publish":
            self.note_waiting(article)
            article.status = Article.Status.IN_REVIEW
            step = SUBMITTED
        elif status == "trash":
            article.status = Article.Status.ARCHIVED
            step = ARCHIVED
        else:
            article.status = Article.Status.DRAFT
            step = DRAFTED
        return article, step, self.gaps() == gaps

    def status_of(self, post):
        """The post's WordPress status, a protected post's as a draft."""
        if post.password and post.status in ("publish", "future"):
            # Only readers with the password saw it there: not public here.
            self.report.notes.append(
                f"“{post.title}” was protected by a password in WordPress; it "
                "was imported as a draft."
            )
            return "draft"
        return post.status

    def fields_of(self, post):
        """The article fields a post gives (its text cleaned, its links and
        images pointed at their new addresses)."""
        self.current_title = post.title
        missing = []
        raw_body = render_media(post.content, self.attachments, missing)
        self.unresolved += len(missing)
        dropped = sorted(
            {name.lower() for name in SHORTCODE_NAME.findall(raw_body)} - KEPT_INSIDE
        )
        if dropped:
            self.report.notes.append(
                f"“{post.title}”: shortcodes not rendered here were removed: "
                + ", ".join(f"[{name}]" for name in dropped)
            )
        # Addresses are rewritten before the cleaning, so that the body
        # saved is the cleaner's output as it is.
        body = clean_body(self.rewrite_links(self.rewrite_images(raw_body)))
        return {
            "title": post.title,
            "body": body,
            "summary": text_summary(post.excerpt, limit=None),
            "category": self.category_for(post),
            "author": self.authors.get(post.creator),
            "is_featured": post.sticky,
            "allow_comments": post.comments_open,
        }

    def note_waiting(self, article):
        self.report.notes.append(
            f"“{article.title}” was public in WordPress; it waits for a "
            "medical sign-off (pass --reviewed-by to publish on import)."
        )

    def link_pending(self):
        """
        Read the links of every imported article whose links were never
        read or point at a post that did not exist yet: after the last
        batch, every post is here.
        """
        pending = Article.objects.filter(wordpress_id__isnull=False).filter(
            Q(outbound_links__is_internal=True, outbound_links__url__startswith="/")
        )
        ids = list(pending.values_list("pk", flat=True).distinct())
        for start in range(0, len(ids), self.BATCH):
            batch = ids[start : start + self.BATCH]
            sync_links(list(Article.objects.filter(pk__in=batch)))

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
        wanted = {_request_path(old)[:200]: new for old, new in targets.items()}
        taken = set(
            Redirect.objects.filter(site=site, old_path__in=wanted).values_list(
                "old_path", flat=True
            )
        )
        Redirect.objects.bulk_create(
            Redirect(site=site, old_path=old, new_path=new)
            for old, new in wanted.items()
            if old not in taken
        )

    def plan_addresses(self):
        """
        Before any post is written, learn the new address of every post in
        the file, so that links between them (forward ones included) can be
        rewritten from the old site's addresses to the new ones.
        """
        existing = dict(
            Article.objects.filter(wordpress_id__isnull=False).values_list(
                "wordpress_id", "slug"
            )
        )
        taken = set(Article.objects.order_by().values_list("slug", flat=True))
        for post_id, kind, base, old_path in self.wxr.entries:
            if kind == "page" and not self.pages_category:
                continue
            if not post_id.isascii() or not post_id.isdigit():
                continue  # Reported when the post itself is imported.
            slug = existing.get(int(post_id))
            if slug is None:
                slug, n = base, 2
                while slug in taken:
                    slug, n = f"{base}-{n}", n + 1
                taken.add(slug)
            self.planned_slugs[post_id] = slug
            if old_path and old_path != "/":
                self.permalinks[old_path] = slug
        # Learnt: what the file said is no longer needed.
        self.wxr.entries.clear()

    def rewrite_links(self, body):
        """Point links to posts on the old site at their new addresses."""

        def new_href(match):
            quote = '"' if match.group(1) is not None else "'"
            href = unescape(match.group(1) or match.group(2) or "")
            parts = urlsplit(href)
            if parts.netloc and parts.netloc.lower() not in self.old_hosts:
                return match.group(0)
            if not parts.netloc and not href.startswith("/"):
                return match.group(0)
            old = parts.path + (f"?{parts.query}" if parts.query else "")
            slug = self.permalinks.get(old) or self.permalinks.get(
                old.rstrip("/") + "/"
            )
            if slug is None and parts.path in ("", "/"):
                # /?p=ID, or /?page_id=ID.
                query = parse_qs(parts.query)
                ids = query.get("p") or query.get("page_id") or [""]
                slug = self.planned_slugs.get(ids[0])
            if slug is None:
                if parts.netloc:
                    # A page of the old site that is not in this file: a
                    # later run, with it, can point the link at it.
                    self.unresolved += 1
                return match.group(0)
            path = reverse("articles:detail", kwargs={"slug": slug})
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            return f"href={quote}{path}{fragment}{quote}"

        return HREF.sub(new_href, body)

    # Terms and people -------------------------------------------------

    def import_authors(self):
        authors = {}
        for element in self.wxr.authors:
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

    def import_categories(self):
        categories = {}
        parents = {}
        #: WordPress term ID -> nicename, for a post's primary category.
        self.term_ids = {}
        for element in self.wxr.categories:
            slug = self.wxr.wp(element, "category_nicename")
            categories[slug] = self.category(
                slug,
                self.wxr.wp(element, "cat_name"),
                _plain_title(self.wxr.wp(element, "category_description")),
            )
            parents[slug] = self.wxr.wp(element, "category_parent")
            self.term_ids[self.wxr.wp(element, "term_id")] = slug
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

    def import_tags(self):
        tags = {}
        for element in self.wxr.tags:
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

    def category_for(self, post):
        """The article's category: for a page, the --pages one; for a post,
        its first category (or, with --category-mode primary, the one Yoast
        or Rank Math marked as primary)."""
        if post.kind == "page":
            name = self.pages_category
            slug = slugify(name)[:100] or "pages"
        else:
            chosen = self.chosen_category(post)
            if chosen is not None:
                return self.term_category(*chosen)
            slug, name = "uncategorized", "Uncategorized"
        if slug not in self.fallbacks:
            self.fallbacks[slug], _ = Category.objects.get_or_create(
                slug=slug, defaults={"name": name[:100]}
            )
        return self.fallbacks[slug]

    def chosen_category(self, post):
        """(nicename, name) of the post's category, or None."""
        terms = [
            (nicename, name)
            for domain, nicename, name in post.terms
            if domain == "category" and nicename
        ]
        if not terms:
            return None
        if self.category_mode == "primary":
            primary = self.term_ids.get(
                post.meta.get("_yoast_wpseo_primary_category")
                or post.meta.get("rank_math_primary_category")
            )
            for term in terms:
                if term[0] == primary:
                    return term
        return terms[0]

    def term_category(self, nicename, name):
        """The category a post's term names, made when the export's channel
        did not declare it."""
        if nicename not in self.categories:
            self.categories[nicename] = self.category(nicename, name)
        return self.categories[nicename]

    def term_tag(self, domain, nicename, name):
        """The tag a post's term names (a tag, or a category that is not the
        article's), made when the export's channel did not declare it."""
        key = ("tag", nicename) if domain == "category" else nicename
        if key not in self.tags:
            if domain == "category" and nicename in self.categories:
                name = self.categories[nicename].name  # As the channel spells it.
            self.tags[key] = self.tag(nicename, name)
        return self.tags[key]

    def post_tags(self, post):
        """Every tag of a post, and every category but the article's (an
        article here has one category)."""
        chosen = self.chosen_category(post) if post.kind == "post" else None
        return [
            self.term_tag(domain, nicename, name)
            for domain, nicename, name in post.terms
            if nicename
            and domain in ("post_tag", "category")
            and (domain, (nicename, name)) != ("category", chosen)
        ]

    # Posts imported before --------------------------------------------------

    def import_post(self, post):
        """
        Import a post on its own, through the editorial workflow: a new one
        as create_together() would, one imported before by saving its new
        text as a version (a live article's draft), unless someone here
        changed the text since.
        """
        post_id = post.number
        status = self.status_of(post)
        gaps = self.gaps()
        fields = self.fields_of(post)
        article = Article.objects.filter(wordpress_id=post_id).first()
        created = article is None
        if created or article.working_version().featured_image_id is None:
            image = self.featured_image(post)
            if image is not None:
                fields["featured_image"] = image
                fields["featured_image_is_decorative"] = True
        published = post.published
        if created:
            article = create_article(
                article=Article(
                    wordpress_id=post_id,
                    slug=self.planned_slugs.get(post.post_id)
                    or Article.objects.free_slug(
                        _slug(post.name or fields["title"], "post", 190)
                    ),
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
        article.tags.set(self.post_tags(post))
        self.add_redirects([(post, article)])
        if created:
            outcome = "created"
        elif kept_local:
            outcome = "skipped"
        else:
            outcome = "unchanged" if unchanged else "updated"
        self.report.add("posts", outcome)
        self.add_comments([(post, article)])
        sync_links([article])
        complete = self.gaps() == gaps and not kept_local
        Article.objects.filter(pk=article.pk).update(
            wordpress_hash=post.fingerprint(self.settings) if complete else ""
        )

    def apply_status(self, article, status, published, *, vouch=True):
        """Bring the article to the state its WordPress status means, through
        the workflow writers (each step records a revision). With `vouch`
        off, the --reviewed-by reviewer signs nothing off."""
        reviewer = self.reviewed_by if vouch else None
        if status == "publish" and reviewer is None:
            self.note_waiting(article)
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
                version = record_sign_off(
                    article=article,
                    reviewer=reviewer,
                    reading_reason=IMPORT_READING_REASON,
                )
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

    def add_redirects(self, pairs):
        """Point each post's old addresses at its new page, once it is
        public: a redirect to a draft would only lead to a 404."""
        site = Site.objects.get_current()
        wanted = {}
        for post, article in pairs:
            if not article.is_live:
                continue
            new_path = article.get_absolute_url()
            old_paths = {f"/?p={post.post_id}"}
            if post.kind == "page":
                old_paths.add(f"/?page_id={post.post_id}")
            if post.link:
                parts = urlsplit(post.link)
                old_paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
            for old_path in old_paths:
                old_path = _request_path(old_path)[:200]
                if old_path and old_path != new_path:
                    wanted[old_path] = new_path
        if not wanted:
            return
        existing = Redirect.objects.filter(site=site, old_path__in=wanted)
        stale = []
        for redirect in existing:
            if redirect.new_path != wanted[redirect.old_path]:
                redirect.new_path = wanted[redirect.old_path]
                stale.append(redirect)
            del wanted[redirect.old_path]
        Redirect.objects.bulk_update(stale, ["new_path"])
        Redirect.objects.bulk_create(
            Redirect(site=site, old_path=old, new_path=new)
            for old, new in wanted.items()
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

    def featured_image(self, post):
        """Return the post's featured image from the media folder, or None."""
        thumbnail = post.meta.get("_thumbnail_id")
        url = self.attachments.get(thumbnail or "")
        if thumbnail and not url:
            self.unresolved += 1  # Its attachment is not in this file.
        return self.local_image(url) if url else None

    # Comments ---------------------------------------------------------------

    def add_comments(self, pairs):
        """
        Add the comments of each (post, article) not imported before, in a
        few bulk inserts: one per depth of the threads. A reply hangs from
        a comment that comes before it; one too deep hangs from the deepest
        ancestor allowed.
        """
        rows = []
        for post, article in pairs:
            numbered = [
                row
                for row in post.comments
                if row["comment_id"].isascii() and row["comment_id"].isdigit()
            ]
            if len(numbered) < len(post.comments):
                self.report.notes.append(
                    f"“{post.title}”: {len(post.comments) - len(numbered)} "
                    "comments without a numeric ID were not imported."
                )
            rows += [(post, article, row) for row in numbered]
        wanted = [int(row["comment_id"]) for _, _, row in rows]
        known = {}
        for start in range(0, len(wanted), 5000):  # Within SQLite's limits.
            for comment in Comment.objects.filter(
                wordpress_id__in=wanted[start : start + 5000]
            ).only("id", "wordpress_id", "depth", "root_id", "parent_id", "article_id"):
                known[comment.wordpress_id] = comment
        levels = {}
        for _, article, row in sorted(rows, key=lambda r: int(r[2]["comment_id"])):
            wp_id = int(row["comment_id"])
            if row["comment_type"] in ("pingback", "trackback"):
                self.import_pingback(row, article)
                continue
            if wp_id in known:
                self.report.add("comments", "unchanged")
                continue
            parent = known.get(int(row["comment_parent"] or 0))
            if parent is not None and parent.article_id != article.pk:
                parent = None  # A reply on another post is not a reply here.
            while parent is not None and parent.depth >= Comment.MAX_DEPTH:
                parent = parent.parent
            comment = Comment(
                article=article,
                parent=parent,
                wordpress_id=wp_id,
                author_name=row["comment_author"][:80] or "Anonymous",
                author_email=row["comment_author_email"][:254],
                author_url=row["comment_author_url"][:300],
                # Kept whole: WordPress allows longer comments than readers
                # may post here, and cutting one would change what it says.
                body=row["comment_content"],
                ip_hash=hash_ip(row["comment_author_IP"]),
                status=COMMENT_STATUS.get(
                    row["comment_approved"], Comment.Status.PENDING
                ),
                status_reasons=["imported from WordPress"],
                created_at=_date(row["comment_date_gmt"]) or timezone.now(),
            )
            comment.derive()
            known[wp_id] = comment
            levels.setdefault(comment.depth, []).append(comment)
            self.report.add("comments", "created")
        # Shallowest first: when a reply goes in, its parent has its key.
        for depth in sorted(levels):
            Comment.objects.bulk_create(levels[depth], batch_size=500)

    def import_pingback(self, row, article):
        url = row["comment_author_url"]
        if not self.pingbacks or not url.startswith(("http://", "https://")):
            self.report.add("pingbacks", "skipped")
            return
        _, created = Backlink.objects.get_or_create(
            source_url=url[:2000],
            target_article=article,
            defaults={"via": Backlink.Via.WORDPRESS},
        )
        self.report.add("backlinks", "created" if created else "unchanged")
