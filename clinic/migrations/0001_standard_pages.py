"""
The pages every clinic site links to (privacy, medical disclaimer, contact,
about), as flat pages editors change in the admin. Each starts with a text
that is true of this software; editors add their clinic's details.
"""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.core.management.color import no_style
from django.db import migrations

from clinic.roles import EDITORS, GROUP_PERMISSIONS, REVIEWERS, sync_roles

PAGES = [
    {
        "url": "/privacy/",
        "title": "Privacy",
        "template_name": "flatpages/privacy.html",
        "content": (
            "<p>Reading this site needs no account, and it sets no advertising "
            "or tracking cookies.</p>"
            "<h2>Comments</h2>"
            "<p>When you leave a comment we keep your name, your email address "
            "(never shown to other readers), the website you give if any, and "
            "whether you asked for emails about replies. Against spam we also "
            "keep a keyed fingerprint of your network address and the name of "
            "your browser for a limited time.</p>"
            "<p>Please do not share personal health details such as phone "
            "numbers, dates of birth or record numbers in a comment: comments "
            "that contain them wait for a moderator.</p>"
        ),
    },
    {
        "url": "/disclaimer/",
        "title": "Medical disclaimer",
        "template_name": "",
        "content": (
            "<p>Our articles explain conditions and treatments in general "
            "terms. They cannot take the place of an examination by a "
            "clinician who knows your history, and they do not create a "
            "doctor–patient relationship.</p>"
            "<p>Each article shows who reviewed it and when. Medicine changes, "
            "so articles are reviewed again on a schedule.</p>"
            "<p>If you have sudden weakness, numbness in the groin or legs, "
            "loss of bladder or bowel control, or severe pain after a fall, "
            "seek emergency care at once.</p>"
        ),
    },
    {
        "url": "/contact/",
        "title": "Contact us",
        "template_name": "",
        "content": (
            "<p>To book a consultation or ask about a treatment, call the "
            "clinic or write to us. We answer within two working days.</p>"
            "<p>Comments under articles are public: please do not use them for "
            "questions about your own care.</p>"
        ),
    },
    {
        "url": "/about/",
        "title": "About the clinic",
        "template_name": "",
        "content": (
            "<p>Our specialists write and review every article on this site, "
            "so that patients and their families can prepare for a "
            "consultation with good information.</p>"
        ),
    },
]


def create_pages(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    Site = apps.get_model("sites", "Site")
    # The default site is made after migrations; the pages need it now.
    site, created = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "example.com", "name": "example.com"}
    )
    if created:
        # Made with its id, as Django's own default site is: move the id
        # sequence past it (PostgreSQL), so that the next site gets another.
        connection = schema_editor.connection
        for sql in connection.ops.sequence_reset_sql(no_style(), [Site]):
            schema_editor.execute(sql)
    for page in PAGES:
        flatpage, created = FlatPage.objects.get_or_create(
            url=page["url"],
            defaults={key: value for key, value in page.items() if key != "url"},
        )
        if created:
            flatpage.sites.add(site)


def let_editors_keep_pages(apps, schema_editor):
    """
    Grant the editorial roles the permissions on pages, adding them to what
    each group has: an administrator's own changes to the groups stay.
    """
    alias = schema_editor.connection.alias
    # Permissions are made after the whole migrate run; these are needed now.
    config = apps.get_app_config("flatpages")
    models_module = getattr(config, "models_module", None)
    config.models_module = models_module or True
    try:
        create_permissions(config, apps=apps, verbosity=0, using=alias)
    finally:
        config.models_module = models_module
    sync_roles(apps, using=alias, missing_only=True)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    pages = Permission.objects.filter(
        content_type__app_label="flatpages",
        codename__in=[
            dotted.split(".")[1]
            for dotted in GROUP_PERMISSIONS[EDITORS]
            if dotted.startswith("flatpages.")
        ],
    )
    for group in Group.objects.filter(name__in=(EDITORS, REVIEWERS)):
        group.permissions.add(*pages)


class Migration(migrations.Migration):
    dependencies = [
        ("flatpages", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # Last: the roles are granted the permissions of every app.
        ("articles", "0017_safe_urls"),
        ("comments", "0006_safe_urls"),
        ("hub", "0002_safe_urls"),
    ]

    operations = [
        migrations.RunPython(create_pages, migrations.RunPython.noop),
        migrations.RunPython(let_editors_keep_pages, migrations.RunPython.noop),
    ]
