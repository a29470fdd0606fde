"""The roles moved to `clinic.roles`; old migrations import them from here."""

from clinic.roles import sync_roles_migration

__all__ = ["sync_roles_migration"]
