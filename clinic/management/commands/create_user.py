import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clinic.roles import ROLE_GROUPS


class Command(BaseCommand):
    help = "Create a staff user in one of the clinic's roles."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            required=True,
            help=f"One of: {', '.join(ROLE_GROUPS)}.",
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="The password; prompted for when left out.",
        )

    def handle(self, *args, username, role, email, password, **options):
        if role not in ROLE_GROUPS:
            raise CommandError(
                f"Unknown role {role!r}. Choose one of: {', '.join(ROLE_GROUPS)}."
            )
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        if password is None:
            password = self._prompt_password()
        user = User(username=username, email=email, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.is_superuser = role == "admin"
        user.set_password(password)
        user.save()
        if group_name := ROLE_GROUPS[role]:
            user.groups.add(Group.objects.get(name=group_name))
        self.stdout.write(f"Created {role} {username!r}.")

    def _prompt_password(self):
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
