from django.db import migrations

from articles import readability

#: Versions measured and written per transaction.
CHUNK = 200


def measure_bodies(apps, schema_editor):
    """
    Give the versions saved before reading figures existed their figures,
    a chunk per transaction: readers keep reading meanwhile, and memory
    holds one chunk.
    """
    for name in ("Article", "ArticleDraft"):
        model = apps.get_model("articles", name)
        last = None
        while True:
            chunk = model.objects.order_by("pk").only("pk", "body")
            if last is not None:
                chunk = chunk.filter(pk__gt=last)
            chunk = list(chunk[:CHUNK])
            if not chunk:
                break
            last = chunk[-1].pk
            measured = []
            for version in chunk:
                reading = readability.measure(version.body)
                if reading is not None:
                    measured.append(
                        model(
                            pk=version.pk,
                            reading=reading.as_dict(),
                            reading_grade=reading.grade,
                        )
                    )
            model.objects.bulk_update(measured, ["reading", "reading_grade"])


class Migration(migrations.Migration):
    # Each chunk commits on its own: no lock on the articles for the run.
    atomic = False

    dependencies = [
        ("articles", "0028_glossary"),
    ]

    operations = [
        migrations.RunPython(measure_bodies, migrations.RunPython.noop, elidable=True),
    ]
