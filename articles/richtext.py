"""
Article HTML: the allow-list sanitizer and helpers that read or rewrite it.

Everything an editor stores passes `sanitize_html()` (nh3, an allow-list),
so templates may mark the stored HTML safe.
"""

import re
from html import unescape
from urllib.parse import urlsplit

import nh3
from bs4 import BeautifulSoup
from bs4.dammit import EntitySubstitution
from bs4.formatter import HTMLFormatter
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import slugify

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "target"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan"},
    # No "scope": the editor does not keep it, and headers work without it.
    "th": {"colspan", "rowspan"},
}
# CKEditor marks figures with these classes; nothing else keeps a class.
ALLOWED_CLASSES = {
    "figure": {"image", "table", "image-style-side", "image_resized"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}
REL_TOKENS = {"nofollow", "noopener", "noreferrer", "sponsored", "ugc"}
DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$", re.I)
NUMBER = re.compile(r"^[0-9]{1,5}$")
URL_NOISE = re.compile(r"[\t\n\r]")
URL_EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
URL_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


class _SourceOrderFormatter(HTMLFormatter):
    """Serialise as HTML5, keeping attributes in their source order."""

    def attributes(self, tag):
        return list(tag.attrs.items())


FORMATTER = _SourceOrderFormatter(
    entity_substitution=EntitySubstitution.substitute_xml,
    void_element_close_prefix=None,
    empty_attributes_are_booleans=True,
)


def _filter_attribute(tag, attribute, value):
    """Drop attribute values the allow-list cannot express by name alone."""
    if attribute in {"href", "src", "cite"}:
        # Read the address as a browser does: tabs and line breaks anywhere
        # and control characters at the ends do not count, so "da<TAB>ta:"
        # is data: and "java&#10;script:" is javascript:.
        value = URL_EDGES.sub("", URL_NOISE.sub("", value))
        scheme = URL_SCHEME.match(value)
        if scheme and scheme[1].lower() not in URL_SCHEMES:
            return None
        if value.lower().startswith("data:"):
            return value if tag == "img" and DATA_IMAGE.match(value) else None
        return value
    if attribute == "target":
        return "_blank" if value == "_blank" else None
    if attribute == "rel":
        tokens = [token for token in value.lower().split() if token in REL_TOKENS]
        return " ".join(dict.fromkeys(tokens)) or None
    if attribute in {"width", "height", "colspan", "rowspan", "start"}:
        return value if NUMBER.match(value) else None
    return value


def is_external(href):
    """True for an absolute http(s) link (to another site)."""
    return urlsplit(href.strip()).scheme in {"http", "https"}


def outside_image_hosts(html, own_hosts, allowed_origins=()):
    """
    Return the hosts of `<img>` sources in `html` that are neither this site
    (`own_hosts`) nor one of `allowed_origins` ("https://media.example"):
    the public pages' Content-Security-Policy does not let browsers load them.
    """
    allowed = {origin.rstrip("/").lower() for origin in allowed_origins}
    hosts = []
    for image in BeautifulSoup(html or "", "html.parser").find_all("img", src=True):
        parts = urlsplit(image["src"].strip())
        if not parts.netloc or parts.scheme == "data":
            continue
        host = (parts.hostname or "").lower()
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if host not in own_hosts and origin not in allowed and host not in hosts:
            hosts.append(host)
    return hosts


#: Elements that hold only other elements: white space between their
#: children is layout, not text.
BLOCK_CONTAINERS = {"ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "blockquote"}
#: Elements whose text starts and ends at their edges, as the editor keeps it.
BLOCKS = {
    *BLOCK_CONTAINERS,
    "p",
    "h2",
    "h3",
    "h4",
    "li",
    "figure",
    "figcaption",
    "caption",
    "td",
    "th",
}
#: HTML's white space. Not Python's \s: a no-break space (&nbsp;) is text.
SPACES = " \t\n\f\r"
WHITESPACE = re.compile(f"[{SPACES}]+")
#: Elements that stand on their own at the top of a body; text and inline
#: elements between them are put in a paragraph, as the editor does.
TOP_LEVEL = {"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "figure", "table"}
TOP_LEVEL |= {"pre", "hr"}
#: Elements the editor writes with a no-break space when they are empty.
FILLED_WHEN_EMPTY = {"p", "h2", "h3", "h4", "li", "td", "th", "caption", "figcaption"}
#: Every element that is not inline.
NOT_INLINE = BLOCKS | TOP_LEVEL


def _is_block(node):
    return getattr(node, "name", None) in NOT_INLINE


def _wrap_loose_text(soup, container=None):
    """
    Put text and inline elements at the top level of `container` (the whole
    `soup` by default, or a quotation) in paragraphs, as the editor does.
    A run that holds a block (a link around a heading, a stray list item)
    is left as it is: a paragraph cannot hold it.
    """
    container = soup if container is None else container
    run = []

    def close_run():
        holds_block = any(
            _is_block(node) or (node.name and node.find(NOT_INLINE))
            for node in run
            if getattr(node, "name", None)
        )
        has_content = any(
            getattr(node, "name", None) or node.strip(SPACES) for node in run
        )
        if has_content and not holds_block:
            paragraph = soup.new_tag("p")
            run[0].insert_before(paragraph)
            for node in run:
                paragraph.append(node.extract())
        run.clear()

    for node in list(container.contents):
        if getattr(node, "name", None) in TOP_LEVEL:
            close_run()
        else:
            run.append(node)
    close_run()


def _canonical_whitespace(soup):
    """
    Write the white space of `soup` as the rich-text editor writes it back:
    runs of white space as one space, none between blocks, none at the edges
    of a block's text or beside a line break, and a no-break space in an
    empty paragraph or cell. Preformatted text and no-break spaces are kept.
    """
    preformatted = {
        id(text) for pre in soup.find_all("pre") for text in pre.find_all(string=True)
    }
    for text in list(soup.find_all(string=True)):
        if id(text) in preformatted:
            continue
        value = WHITESPACE.sub(" ", str(text))
        parent = text.parent
        before, after = text.previous_sibling, text.next_sibling
        in_container = parent is soup or parent.name in BLOCK_CONTAINERS
        between_blocks = (before is None or _is_block(before)) and (
            after is None or _is_block(after)
        )
        if in_container and between_blocks and not value.strip(SPACES):
            text.extract()
            continue
        if parent is soup or parent.name in BLOCKS:
            if before is None or _is_block(before):
                value = value.lstrip(SPACES)
            if after is None or _is_block(after):
                value = value.rstrip(SPACES)
        if getattr(before, "name", None) == "br":
            value = value.lstrip(SPACES)
        if getattr(after, "name", None) == "br":
            value = value.rstrip(SPACES)
        if not value:
            text.extract()
        elif value != text:
            text.replace_with(value)
    # The editor keeps an empty paragraph or table cell as a no-break space.
    for element in soup.find_all(FILLED_WHEN_EMPTY):
        if not element.contents:
            element.string = "\xa0"


def sanitize_html(html):
    """
    Return `html` reduced to the article allow-list, in the one canonical
    form the editor sends back (so saving unchanged content changes nothing).
    Sanitizing the result again changes nothing.

    Scripts, styles, event handlers, iframes, comments and unsafe URLs are
    removed. External links get rel="noopener", and links that open a new
    tab also get "noreferrer". Loose text goes in paragraphs and white space
    is written as the editor writes it (`_wrap_loose_text`,
    `_canonical_whitespace`).
    """
    if html in _canonical:
        return html  # Sanitized moments ago (a form's clean(), then save()).
    # Markup nh3 must repair (a heading inside a link) can take a second
    # pass to settle; stop as soon as a pass changes nothing.
    cleaned = _sanitize_once(html)
    for _ in range(3):
        again = _sanitize_once(cleaned)
        if again == cleaned:
            break
        cleaned = again
    _remember_canonical(cleaned)
    return cleaned


def _remember_canonical(html):
    global _canonical_characters
    if _canonical_characters + len(html) > CANONICAL_CHARACTERS:
        _canonical.clear()
        _canonical_characters = 0
    if html not in _canonical:
        _canonical[html] = None
        _canonical_characters += len(html)


#: The latest results of sanitize_html(), which it returns unchanged: a
#: body is often sanitized again soon after (once by the form, again when
#: the article saves it; once by an import, again when a batch of articles
#: is saved), and the second time then costs a lookup. At most
#: CANONICAL_CHARACTERS characters are kept.
_canonical = {}
_canonical_characters = 0
CANONICAL_CHARACTERS = 2_000_000


def _sanitize_once(html):
    """One pass of `sanitize_html()`."""
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        allowed_classes=ALLOWED_CLASSES,
        strip_comments=True,
    )
    soup = BeautifulSoup(cleaned, "html.parser")
    _wrap_loose_text(soup)
    for quote in soup.find_all("blockquote"):
        # The editor's quotations hold paragraphs, never bare text.
        _wrap_loose_text(soup, quote)
    _canonical_whitespace(soup)
    for link in soup.find_all("a"):
        rel = link.get("rel") or []
        if isinstance(rel, str):
            rel = rel.split()
        href = link.get("href", "")
        if is_external(href):
            rel.append("noopener")
        if link.get("target") == "_blank":
            rel += ["noopener", "noreferrer"]
        if rel:
            link["rel"] = " ".join(dict.fromkeys(rel))
    return soup.decode(formatter=FORMATTER).strip(SPACES)


def text_summary(html, limit=220):
    """
    Return the plain text of `html`: whole, or when `limit` is given cut at a
    word boundary to at most `limit` characters with an ellipsis.
    """
    text = " ".join(BeautifulSoup(html or "", "html.parser").get_text(" ").split())
    return cut_text(text, limit)


def cut_text(text, limit=220):
    """Return `text` whole, or cut as text_summary() cuts it."""
    if limit is None or len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


def add_heading_ids(html):
    """
    Return (html, toc): `html` with a stable `id` on every h2 and h3, and the
    table of contents as [{"id": …, "text": …, "children": [h3 entries]}].

    Ids come from the heading text, numbered when two headings share it, so
    they survive edits elsewhere in the article.
    """
    soup = BeautifulSoup(html or "", "html.parser")
    toc, seen = [], set()
    for heading in soup.find_all(["h2", "h3"]):
        text = " ".join(heading.get_text(" ").split())
        if not text:
            continue
        base = slugify(text)[:60] or "section"
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        heading["id"] = anchor
        entry = {"id": anchor, "text": text, "children": []}
        if heading.name == "h3" and toc:
            toc[-1]["children"].append(entry)
        else:
            toc.append(entry)
    return soup.decode(formatter=FORMATTER).strip(), toc


def search_snippet(text, words, start_mark="\x02", end_mark="\x03", width=220):
    """
    Return safe HTML for a search result: `text` escaped, with matches in
    <mark>. Text already holding the marks (from PostgreSQL) is used as is;
    otherwise a window around the first of `words` is cut and marked.
    """
    if start_mark not in text:
        lowered = text.lower()
        positions = [lowered.find(w.lower()) for w in words if w]
        positions = [p for p in positions if p >= 0]
        begin = max(0, min(positions, default=0) - width // 3)
        excerpt = text[begin : begin + width]
        if begin:
            excerpt = "…" + excerpt.split(" ", 1)[-1]
        if begin + width < len(text):
            excerpt = excerpt.rsplit(" ", 1)[0] + "…"
        pattern = "|".join(re.escape(w) for w in words if w)
        if pattern:
            excerpt = re.sub(
                f"({pattern})",
                f"{start_mark}\\1{end_mark}",
                excerpt,
                flags=re.IGNORECASE,
            )
        text = excerpt
    escaped = escape(text)
    # Escaped above; the only markup added is <mark>.
    return mark_safe(escaped.replace(start_mark, "<mark>").replace(end_mark, "</mark>"))


# Control characters other than whitespace: a browser never shows them, and
# PostgreSQL refuses NUL in text, so they are dropped from outside pages.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


ANCHOR_OPEN = re.compile(r"<a(?=[\s/>])", re.IGNORECASE)
ANCHOR_CLOSE = re.compile(r"</a\s*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
ANY_TAG = re.compile(r"<[^>]*>")


def _without_comments(html):
    """`html` without its comments, in one pass (an unclosed one ends it)."""
    kept, position = [], 0
    while (start := html.find("<!--", position)) >= 0:
        kept.append(html[position:start])
        end = html.find("-->", start + 4)
        if end < 0:
            return "".join(kept)
        position = end + 3
    kept.append(html[position:])
    return "".join(kept)


def _anchors(html, limit):
    """
    Yield (href, rel, text) for each <a href> in `html`, scanning it once:
    every search starts where the last one ended, so time is linear in the
    page whatever its markup (Python's own HTML parser is quadratic on some
    broken markup). An <a> ends at its </a> or at the next <a>.
    """
    end = len(html)
    found, position = 0, 0
    # The next </a> as (start, end); (end, end) once none is left, so the
    # page is searched for it again only after passing the last one found.
    close = (-1, -1)
    while limit is None or found < limit:
        opening = ANCHOR_OPEN.search(html, position)
        if opening is None:
            return
        tag_end = html.find(">", opening.end())
        if tag_end < 0:
            return
        if close[0] < tag_end and close[0] != end:
            match = ANCHOR_CLOSE.search(html, tag_end)
            close = match.span() if match else (end, end)
        following = ANCHOR_OPEN.search(html, tag_end)
        stop = min(close[0], following.start() if following else end)
        position = close[1] if stop == close[0] else stop
        attributes = {
            name.lower(): unescape(value[1:-1] if value[:1] in "\"'" else value)
            for name, value in ATTRIBUTE.findall(html[opening.end() : tag_end])
            if value
        }
        if "href" not in attributes:
            continue
        text = unescape(ANY_TAG.sub(" ", html[tag_end + 1 : stop]))
        found += 1
        yield attributes["href"], attributes.get("rel", ""), text


def extract_links(html, *, limit=None):
    """
    Return the links in `html` as [(href, anchor text, rel)], in order,
    skipping fragments, mail and phone links and addresses that do not
    parse; at most `limit` links are read. Control characters are dropped.
    """
    html = _without_comments(CONTROL_CHARACTERS.sub("", html or ""))
    links = []
    for href, rel, text in _anchors(html, limit):
        href = href.strip()
        if not href or href.startswith("#"):
            continue
        try:
            scheme = urlsplit(href).scheme
        except ValueError:
            continue
        if scheme in {"mailto", "tel"}:
            continue
        text = " ".join(text.split())[:500]
        links.append((href, text, " ".join(rel.split())))
    return links
