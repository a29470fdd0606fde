import hashlib
import json

from django.db import migrations

from articles.richtext import add_heading_ids, sanitize_html, text_summary

REFERENCE_KEYS = ("citation", "url", "doi", "pmid")


def _fingerprint(version, body, references):
    # The formula of ArticleContent.fingerprint() when this was written.
    content = {
        "title": version.title,
        "summary": version.summary,
        "body": body,
        "seo_title": version.seo_title,
        "meta_description": version.meta_description,
        "featured_image": version.featured_image_id,
        "featured_image_alt": version.featured_image_alt,
        "featured_image_is_decorative": version.featured_image_is_decorative,
        "references": references,
    }
    encoded = json.dumps(content, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def store_canonical_bodies(apps, schema_editor):
    """
    The canonical form now puts a quotation's bare text in paragraphs and
    reads link addresses as a browser does. Store every body, live and
    draft, in that form; a sign-off that was current stays current (its
    fingerprint is taken again over the same words).
    """
    alias = schema_editor.connection.alias
    Article = apps.get_model("articles", "Article")
    ArticleDraft = apps.get_model("articles", "ArticleDraft")
    Reference = apps.get_model("articles", "Reference")
    for article in Article.objects.using(alias).iterator():
        body = sanitize_html(article.body)
        if body == article.body:
            continue
        references = [
            {key: str(getattr(r, key) or "") for key in REFERENCE_KEYS}
            for r in Reference.objects.using(alias)
            .filter(article=article)
            .order_by("position", "pk")
        ]
        changes = {"body": body, "body_text": text_summary(body, limit=None)}
        changes["body_html"], changes["toc"] = add_heading_ids(body)
        signed = article.review_fingerprint
        if signed and signed == _fingerprint(article, article.body, references):
            changes["review_fingerprint"] = _fingerprint(article, body, references)
        Article.objects.using(alias).filter(pk=article.pk).update(**changes)
    for draft in ArticleDraft.objects.using(alias).iterator():
        body = sanitize_html(draft.body)
        if body == draft.body:
            continue
        changes = {"body": body}
        signed = draft.review_fingerprint
        if signed and signed == _fingerprint(draft, draft.body, draft.references):
            changes["review_fingerprint"] = _fingerprint(draft, body, draft.references)
        ArticleDraft.objects.using(alias).filter(pk=draft.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("articles", "0018_preview_key")]

    operations = [
        migrations.RunPython(store_canonical_bodies, migrations.RunPython.noop),
    ]
