import django.db.models.deletion
from django.db import migrations, models

MOVED = ("link", "backlink", "linkcheck")


def move_content_types(apps, schema_editor, *, source="articles", target="hub"):
    """
    Give the moved models' content types to this app, so that permissions,
    groups and admin history that point at them keep working.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="hub", target="articles")


class Migration(migrations.Migration):
    """
    Link, Backlink and LinkCheck came from the articles app with their
    tables (articles_link, articles_backlink, articles_linkcheck): this
    creates Django's record of them and moves nothing in the database.
    """

    initial = True

    dependencies = [
        ("articles", "0011_backlink_domain_index"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='LinkCheck',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.CharField(max_length=2000, unique=True, verbose_name='address')),
                        ('status', models.CharField(choices=[('unchecked', 'Not checked yet'), ('ok', 'Working'), ('retrying', 'Failing, retrying'), ('broken', 'Broken')], default='unchecked', max_length=10, verbose_name='status')),
                        ('http_status', models.PositiveSmallIntegerField(null=True, verbose_name='HTTP status')),
                        ('final_url', models.CharField(blank=True, max_length=2000, verbose_name='final address')),
                        ('redirects', models.JSONField(blank=True, default=list, verbose_name='redirects followed')),
                        ('failures', models.PositiveSmallIntegerField(default=0, verbose_name='failures in a row')),
                        ('note', models.CharField(blank=True, max_length=300, verbose_name='note')),
                        ('is_ignored', models.BooleanField(default=False, help_text='An editor checked the link by hand; the report leaves it out.', verbose_name='marked as not broken')),
                        ('last_checked_at', models.DateTimeField(blank=True, null=True, verbose_name='last checked')),
                        ('next_check_at', models.DateTimeField(blank=True, null=True, verbose_name='next check')),
                    ],
                    options={
                        'verbose_name': 'outbound link check',
                        'verbose_name_plural': 'outbound link checks',
                        'db_table': 'articles_linkcheck',
                        'ordering': ('url',),
                        'indexes': [models.Index(fields=['status', 'is_ignored'], name='linkcheck_status_idx'), models.Index(fields=['next_check_at'], name='linkcheck_due_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Backlink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source_url', models.URLField(help_text='The outside page that links to the article.', max_length=2000, verbose_name='linking page')),
                        ('referring_domain', models.CharField(db_index=True, editable=False, max_length=255, verbose_name='referring domain')),
                        ('anchor_text', models.CharField(blank=True, max_length=500, verbose_name='link text')),
                        ('is_nofollow', models.BooleanField(default=False, verbose_name='nofollow')),
                        ('is_ugc', models.BooleanField(default=False, verbose_name='ugc')),
                        ('is_sponsored', models.BooleanField(default=False, verbose_name='sponsored')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('verified', 'Verified'), ('lost', 'Lost'), ('rejected', 'Rejected')], default='pending', max_length=10, verbose_name='status')),
                        ('is_approved', models.BooleanField(default=False, help_text='Only approved, verified backlinks are shown to readers.', verbose_name='approved for the public hub')),
                        ('via', models.CharField(choices=[('admin', 'Added by an editor'), ('csv', 'CSV import'), ('webmention', 'Webmention'), ('wordpress', 'WordPress pingback')], default='admin', max_length=12, verbose_name='source')),
                        ('check_note', models.CharField(blank=True, max_length=300, verbose_name='last check')),
                        ('first_seen_at', models.DateTimeField(blank=True, null=True, verbose_name='first seen')),
                        ('last_seen_at', models.DateTimeField(blank=True, null=True, verbose_name='last seen')),
                        ('last_checked_at', models.DateTimeField(blank=True, null=True, verbose_name='last checked')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='added at')),
                        ('target_article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='backlinks', to='articles.article', verbose_name='article')),
                    ],
                    options={
                        'verbose_name': 'backlink',
                        'verbose_name_plural': 'backlinks',
                        'db_table': 'articles_backlink',
                        'ordering': ('-created_at',),
                        'indexes': [models.Index(fields=['status', 'is_approved', 'referring_domain'], name='backlink_public_idx'), models.Index(fields=['target_article', 'status'], name='backlink_target_idx'), models.Index(fields=['referring_domain', 'status', 'is_approved', '-last_seen_at'], name='backlink_domain_idx')],
                        'constraints': [models.UniqueConstraint(fields=('source_url', 'target_article'), name='backlink_unique_source_target', violation_error_message='This page is already recorded as linking to this article.')],
                    },
                ),
                migrations.CreateModel(
                    name='Link',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.CharField(blank=True, help_text='The address, when it is not one of our articles.', max_length=2000, verbose_name='address')),
                        ('is_internal', models.BooleanField(default=False, verbose_name='points at this site')),
                        ('anchor_text', models.CharField(blank=True, max_length=500, verbose_name='link text')),
                        ('rel', models.CharField(blank=True, max_length=100, verbose_name='rel')),
                        ('source', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outbound_links', to='articles.article', verbose_name='linking article')),
                        ('target_article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='inbound_links', to='articles.article', verbose_name='linked article')),
                    ],
                    options={
                        'verbose_name': 'link',
                        'verbose_name_plural': 'links',
                        'db_table': 'articles_link',
                        'ordering': ('source', 'pk'),
                        'indexes': [models.Index(fields=['target_article', 'source'], name='link_target_idx'), models.Index(fields=['url'], name='link_url_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('target_article__isnull', False), ('url', '')), models.Q(('target_article__isnull', True), models.Q(('url', ''), _negated=True)), _connector='OR'), name='link_has_one_target'), models.CheckConstraint(condition=models.Q(('target_article__isnull', True), ('is_internal', True), _connector='OR'), name='link_to_article_is_internal')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
