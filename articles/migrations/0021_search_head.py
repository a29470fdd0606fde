import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def fill_search_head(apps, schema_editor):
    """Compute the new vector for the articles already saved (PostgreSQL)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    Article = apps.get_model("articles", "Article")
    Article.objects.update(
        search_head=SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_wordpress_fingerprint"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="search_head",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False,
                null=True,
                verbose_name="search vector of the title and summary",
            ),
        ),
        migrations.RunPython(fill_search_head, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_head"], name="article_search_head_idx"
            ),
        ),
    ]
