from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClinicAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the clinic's site (clinic.admin.ClinicAdminSite)."""

    # Named in INSTALLED_APPS; "clinic" itself is ClinicConfig.
    default = False
    default_site = "clinic.admin.ClinicAdminSite"


class ClinicConfig(AppConfig):
    default = True
    name = "clinic"
    verbose_name = _("Clinic")

    def ready(self):
        from django_tasks.signals import task_finished, task_started

        from . import checks, logs  # noqa: F401 - checks registers itself.
        from .roles import sync_roles_after_migrate

        # One log line per task, tagged with the request that queued it.
        task_started.connect(logs.task_started, dispatch_uid="clinic-task-started")
        task_finished.connect(logs.task_finished, dispatch_uid="clinic-task-finished")

        # After every migrate, and every flush (which tests run between
        # transactional tests), the role groups exist with their permissions.
        # Sent for this app, the last installed, so every permission exists.
        post_migrate.connect(
            sync_roles_after_migrate, sender=self, dispatch_uid="clinic-sync-roles"
        )
