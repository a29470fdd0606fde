from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.roles import ROLE_GROUPS

#: (username, role, password, full name). Local demo only: the passwords are
#: printed by `make run` and must never be used on a public server.
DEMO_ACCOUNTS = [
    ("admin", "admin", "demo-admin-pass", "Avery Admin"),
    ("editor", "editor", "demo-editor-pass", "Elena Editor"),
    ("reviewer", "reviewer", "demo-reviewer-pass", "Dr. Rafael Reyes"),
    ("moderator", "moderator", "demo-moderator-pass", "Morgan Moderator"),
]


class Command(BaseCommand):
    help = "Load the demo accounts and content. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        self.load_accounts()
        self.stdout.write("Demo accounts (log in at /admin/):")
        for username, role, password, _name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<10} {username:<10} password: {password}")

    def load_accounts(self):
        """Create or reset the demo accounts; return them by role."""
        User = get_user_model()
        users = {}
        for username, role, password, name in DEMO_ACCOUNTS:
            first, _, last = name.rpartition(" ")
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@clinic.example"
            user.is_staff = True
            user.is_superuser = role == "admin"
            user.set_password(password)
            user.save()
            if group_name := ROLE_GROUPS[role]:
                user.groups.set([Group.objects.get(name=group_name)])
            users[role] = user
        return users
