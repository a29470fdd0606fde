"""
The clinic's roles, as Django groups with their permissions.

Each role is a group; `sync_roles()` makes the groups match this table. Data
migrations call it whenever an app adds models, so the groups exist (with
every permission that exists so far) right after `migrate`.
"""

from django.contrib.auth.management import create_permissions

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
    "articles.view_siteconfiguration",
    "articles.add_backlink",
    "articles.change_backlink",
    "articles.view_backlink",
    "articles.view_link",
    "articles.view_linkcheck",
    "articles.change_siteconfiguration",
    "redirects.add_redirect",
    "redirects.change_redirect",
    "redirects.delete_redirect",
    "redirects.view_redirect",
]

#: Group name -> permissions ("app_label.codename"), for each group role.
GROUP_PERMISSIONS = {
    EDITORS: _EDITORIAL,
    REVIEWERS: [*_EDITORIAL, "articles.sign_off_article"],
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


def sync_roles(apps):
    """
    Create the role groups and grant each the permissions that exist.

    `apps` is an app registry (the historical one inside a migration).
    Permissions of models that do not exist yet are skipped; the migration
    that adds those models calls this again. Returns the number of groups.
    """
    for app_config in apps.get_app_configs():
        # Permissions are normally created after the whole migrate run;
        # create them now so that this migration can grant them.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, wanted in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            perms.extend(
                Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(perms)
    return len(GROUP_PERMISSIONS)


def sync_roles_migration(apps, schema_editor):
    sync_roles(apps)
