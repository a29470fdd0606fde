"""Helpers that several test modules share (no test module imports another)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REQUIRE_ALL = os.environ.get("CLINIC_REQUIRE_ALL") == "1"


def skip_or_fail(reason):
    """Skip with `reason`, or fail when CLINIC_REQUIRE_ALL=1 forbids skips."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (CLINIC_REQUIRE_ALL=1 forbids this skip)")
    pytest.skip(reason)


# --- The article admin's change form --------------------------------------


def form_data(article, **changes):
    """
    The article change form as a browser would post it, just opened: with
    the version it shows and its references.
    """
    from articles.services import edit_token

    version = article.working_version() if article.pk else article
    data = {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "featured_image": "",
        "featured_image_alt": "",
        "category": article.category_id,
        "author": "",
        "review_interval_months": article.review_interval_months,
        "publish_at_0": "",
        "publish_at_1": "",
        "seo_title": "",
        "meta_description": "",
        "allow_comments": "on",
        "references-MIN_NUM_FORMS": 0,
        "references-MAX_NUM_FORMS": 1000,
    }
    if article.pk:
        data["opened_version"] = edit_token(version)
        data.update(_reference_forms(article))
    else:
        data.update({"references-TOTAL_FORMS": 0, "references-INITIAL_FORMS": 0})
    data.update(changes)
    return data


def _reference_forms(article):
    """The references formset as the change form shows it."""
    version = article.working_version()
    if article.is_live:
        # Prefilled forms for the draft's list.
        rows = [(None, ref) for ref in version.reference_list()]
        initial = 0
    else:
        rows = [
            (
                ref.pk,
                {key: getattr(ref, key) for key in ("citation", "url", "doi", "pmid")},
            )
            for ref in article.references.all()
        ]
        initial = len(rows)
    data = {"references-TOTAL_FORMS": len(rows), "references-INITIAL_FORMS": initial}
    for index, (pk, ref) in enumerate(rows):
        prefix = f"references-{index}-"
        data[prefix + "position"] = index
        data.update({prefix + key: value for key, value in ref.items()})
        if pk is not None:
            data[prefix + "id"] = pk
            data[prefix + "article"] = article.pk
    return data


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


# --- Settings in a fresh interpreter ---------------------------------------

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x7#Qm2!vLp9@Rz4$Tn8^Wc1&Yb6*Hd3(Jf5)Kg0_Ls-Pa+Ue=Oi",
    "DJANGO_ALLOWED_HOSTS": "clinic.example",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "CLINIC_TRUSTED_PROXIES": "127.0.0.1",
}


def run_python(code, **env):
    """Run `code` with the project's settings in a fresh interpreter."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "REDIS_", "DATABASE_"))
    }
    clean["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- WordPress exports (WXR) ------------------------------------------------

WP = "http://wordpress.org/export/1.2/"
OLD = "https://oldclinic.example"


def comment(cid, author, status, text, parent=0, kind="", email=None, url=""):
    return f"""
    <wp:comment>
      <wp:comment_id>{cid}</wp:comment_id>
      <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
      <wp:comment_author_email>{email or author.lower().replace(" ", "")}@mail.example</wp:comment_author_email>
      <wp:comment_author_url>{url}</wp:comment_author_url>
      <wp:comment_author_IP>198.51.100.{cid}</wp:comment_author_IP>
      <wp:comment_date_gmt>2024-03-0{cid % 9 + 1} 10:00:00</wp:comment_date_gmt>
      <wp:comment_content><![CDATA[{text}]]></wp:comment_content>
      <wp:comment_approved>{status}</wp:comment_approved>
      <wp:comment_type>{kind}</wp:comment_type>
      <wp:comment_parent>{parent}</wp:comment_parent>
    </wp:comment>"""


def item(
    pid,
    title,
    slug,
    status,
    body,
    *,
    kind="post",
    creator="maria",
    cats=("spine",),
    tags=(),
    date="2024-02-01 09:30:00",
    extra="",
    sticky=0,
):
    terms = "".join(
        f'<category domain="category" nicename="{c}"><![CDATA[{c}]]></category>'
        for c in cats
    ) + "".join(
        f'<category domain="post_tag" nicename="{t}"><![CDATA[{t}]]></category>'
        for t in tags
    )
    return f"""
  <item>
    <title>{title}</title>
    <link>{OLD}/2024/02/{slug}/</link>
    <dc:creator><![CDATA[{creator}]]></dc:creator>
    <content:encoded><![CDATA[{body}]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>{pid}</wp:post_id>
    <wp:post_date_gmt>{date}</wp:post_date_gmt>
    <wp:post_name>{slug}</wp:post_name>
    <wp:status>{status}</wp:status>
    <wp:post_type>{kind}</wp:post_type>
    <wp:is_sticky>{sticky}</wp:is_sticky>
    {terms}
    {extra}
  </item>"""


def wxr(items, version="1.2"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/{version}/">
<channel>
  <title>Old clinic</title>
  <wp:wxr_version>{version}</wp:wxr_version>
  <wp:author><wp:author_login>maria</wp:author_login><wp:author_email>maria@oldclinic.example</wp:author_email><wp:author_display_name><![CDATA[María Ortega]]></wp:author_display_name></wp:author>
  <wp:author><wp:author_login>tom</wp:author_login><wp:author_email>tom@oldclinic.example</wp:author_email><wp:author_display_name><![CDATA[Tom Reed]]></wp:author_display_name></wp:author>
  <wp:category><wp:category_nicename>spine</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[Spine]]></wp:cat_name></wp:category>
  <wp:category><wp:category_nicename>fractures</wp:category_nicename><wp:category_parent>spine</wp:category_parent><wp:cat_name><![CDATA[Fractures]]></wp:cat_name></wp:category>
  <wp:category><wp:category_nicename>hip</wp:category_nicename><wp:category_parent>fractures</wp:category_parent><wp:cat_name><![CDATA[Hip]]></wp:cat_name></wp:category>
  <wp:tag><wp:tag_slug>pain</wp:tag_slug><wp:tag_name><![CDATA[Pain]]></wp:tag_name></wp:tag>
  {"".join(items)}
</channel>
</rss>"""


# --- The comment admin's change form ----------------------------------------


def comment_form_data(comment, **changes):
    """The comment change form as a browser posts it: with its reports."""
    data = {
        "author_name": comment.author_name,
        "author_url": comment.author_url,
        "body": comment.body,
        "flags-TOTAL_FORMS": 0,
        "flags-INITIAL_FORMS": 0,
        "flags-MIN_NUM_FORMS": 0,
        "flags-MAX_NUM_FORMS": 1000,
    }
    data.update(changes)
    return data


# --- Hostile files ------------------------------------------------------------


def gif_frame_bomb(width=2000, height=2000, frames=40):
    """
    A GIF of under a kilobyte whose frames each draw one pixel on a large
    canvas: decoded, every frame is a whole canvas.
    """
    import struct

    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", width, height, 0x80, 0, 0)
    out += b"\x00\x00\x00\xff\xff\xff"
    for index in range(frames):
        out += b"\x21\xf9\x04\x04\x01\x00\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", index, 0, 1, 1, 0)
        out += b"\x02\x02\x44\x01\x00"
    return bytes(out + b"\x3b")


# --- The sitemap --------------------------------------------------------------


def sitemap_text(client):
    """The sitemap index and every page it lists, as one text: what a
    search engine reads."""
    import re
    from urllib.parse import urlsplit

    index = client.get("/sitemap.xml").content.decode()
    pages = [index]
    for url in re.findall(r"<loc>([^<]+)</loc>", index):
        parts = urlsplit(url.replace("&amp;", "&"))
        pages.append(
            client.get(
                parts.path + (f"?{parts.query}" if parts.query else "")
            ).content.decode()
        )
    return "\n".join(pages)


# --- Accessibility -----------------------------------------------------------


def serious_accessibility_issues(page):
    """Return axe-core's serious and critical findings on `page`, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} on "
        f"{[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
