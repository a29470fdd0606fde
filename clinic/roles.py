"""
The clinic's roles, as Django groups with their permissions.

Each role is a group; `sync_roles()` makes the groups match this table
(data migrations call it, through `sync_roles_migration`, when an app adds
models, and so does `load_demo`). After every `migrate` and every `flush`
(which tests use) a `post_migrate` receiver brings back any group that is
missing, and leaves the others as an administrator set them.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, router

EDITORS = "Editors"
REVIEWERS = "Medical reviewers"
MODERATORS = "Moderators"

_EDITORIAL = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.delete_article",
    "articles.add_category",
    "articles.change_category",
    "articles.view_category",
    "articles.add_tag",
    "articles.change_tag",
    "articles.view_tag",
    "articles.add_person",
    "articles.change_person",
    "articles.view_person",
    "articles.add_reference",
    "articles.change_reference",
    "articles.delete_reference",
    "articles.view_reference",
    "articles.add_image",
    "articles.change_image",
    "articles.view_image",
    "articles.publish_article",
    "articles.add_synonym",
    "articles.change_synonym",
    "articles.delete_synonym",
    "articles.view_synonym",
    "articles.view_glossaryterm",
    "articles.view_siteconfiguration",
    "hub.add_backlink",
    "hub.change_backlink",
    "hub.view_backlink",
    "hub.view_link",
    "hub.view_linkcheck",
    "articles.change_siteconfiguration",
    "redirects.add_redirect",
    "redirects.change_redirect",
    "redirects.delete_redirect",
    "redirects.view_redirect",
    "flatpages.add_flatpage",
    "flatpages.change_flatpage",
    "flatpages.view_flatpage",
]

#: Group name -> permissions ("app_label.codename"), for each group role.
GROUP_PERMISSIONS = {
    EDITORS: _EDITORIAL,
    # The glossary's meanings reach readers without a sign-off of each
    # article: medical reviewers keep them.
    REVIEWERS: [
        *_EDITORIAL,
        "articles.sign_off_article",
        "articles.add_glossaryterm",
        "articles.change_glossaryterm",
        "articles.delete_glossaryterm",
    ],
    MODERATORS: [
        "articles.view_article",
        "comments.view_comment",
        "comments.change_comment",
        "comments.moderate_comment",
        "comments.view_discussionsettings",
        "comments.change_discussionsettings",
    ],
}

#: Role name (as typed on the command line) -> group name; "admin" is a
#: superuser and needs no group.
ROLE_GROUPS = {
    "editor": EDITORS,
    "reviewer": REVIEWERS,
    "moderator": MODERATORS,
    "admin": None,
}


def sync_roles(apps, using=DEFAULT_DB_ALIAS, *, missing_only=False):
    """
    Create the role groups and grant each the permissions that exist; with
    `missing_only`, leave the groups that exist as they are.

    `apps` is an app registry (the historical one inside a migration or a
    `post_migrate` signal). Permissions of models that do not exist yet are
    skipped. Returns the number of groups created or brought in line.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = Group.objects.using(using)
    names = [
        name
        for name in GROUP_PERMISSIONS
        if not (missing_only and groups.filter(name=name).exists())
    ]
    if not names:
        return 0
    for app_config in apps.get_app_configs():
        # Permissions are normally created after the whole migrate run, and
        # only for app configs with a models module (historical ones have
        # none); create them now so that they can be granted.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            app_config.models_module = models_module
    for group_name in names:
        group, _ = groups.get_or_create(name=group_name)
        perms = []
        for dotted in GROUP_PERMISSIONS[group_name]:
            app_label, codename = dotted.split(".")
            perms.extend(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(perms)
    return len(names)


def sync_roles_migration(apps, schema_editor):
    sync_roles(apps)


def sync_roles_after_migrate(sender, *, using, apps=global_apps, **kwargs):
    """
    `post_migrate` receiver: bring back any role group missing from database
    `using` (a new database, or one a flush emptied). Groups that exist keep
    the permissions an administrator gave them.
    """
    if router.allow_migrate_model(using, apps.get_model("auth", "Group")):
        sync_roles(apps, using=using, missing_only=True)
