import hashlib

from django.db import migrations

from articles.richtext import add_heading_ids, sanitize_html


def _fingerprint(title, summary, body):
    content = "\x1f".join((title, summary, body))
    return hashlib.sha256(content.encode()).hexdigest()


def store_canonical_bodies(apps, schema_editor):
    """
    Store every body in the canonical form the editor sends back. A sign-off
    that was current stays current: its fingerprint is taken again over the
    same words in the new form.
    """
    Article = apps.get_model("articles", "Article")
    articles = Article.objects.using(schema_editor.connection.alias)
    for article in articles.only(
        "pk", "title", "summary", "body", "review_fingerprint"
    ).iterator():
        body = sanitize_html(article.body)
        if body == article.body:
            continue
        signed = article.review_fingerprint
        # Stored bodies were sanitized when saved, so this is the fingerprint
        # a current sign-off holds.
        was_current = signed and signed == _fingerprint(
            article.title, article.summary, article.body
        )
        body_html, toc = add_heading_ids(body)
        articles.filter(pk=article.pk).update(
            body=body,
            body_html=body_html,
            toc=toc,
            review_fingerprint=(
                # The formula of Article.fingerprint().
                _fingerprint(article.title, article.summary, sanitize_html(body))
                if was_current
                else signed
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_links_move_to_hub")]

    operations = [
        migrations.RunPython(store_canonical_bodies, migrations.RunPython.noop),
    ]
