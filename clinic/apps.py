from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = _("Clinic")

    def ready(self):
        from .roles import sync_roles_after_migrate

        # After every migrate, and every flush (which tests run between
        # transactional tests), the role groups exist with their permissions.
        # Sent for this app, the last installed, so every permission exists.
        post_migrate.connect(
            sync_roles_after_migrate, sender=self, dispatch_uid="clinic-sync-roles"
        )
