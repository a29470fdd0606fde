import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_migrate_creates_the_role_groups_with_permissions():
    groups = {group.name: group for group in Group.objects.all()}
    assert set(groups) >= {"Editors", "Medical reviewers", "Moderators"}
    reviewer_perms = set(
        groups["Medical reviewers"].permissions.values_list("codename", flat=True)
    )
    assert "change_redirect" in reviewer_perms


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "group", "is_superuser"),
    [
        ("editor", "Editors", False),
        ("reviewer", "Medical reviewers", False),
        ("moderator", "Moderators", False),
        ("admin", None, True),
    ],
)
def test_create_user_puts_the_user_in_the_role(role, group, is_superuser):
    call_command("create_user", "pat", role=role, password="a-long-Passphrase-9")
    user = User.objects.get(username="pat")
    assert user.is_staff
    assert user.is_superuser is is_superuser
    assert list(user.groups.values_list("name", flat=True)) == (
        [group] if group else []
    )
    assert user.check_password("a-long-Passphrase-9")


@pytest.mark.django_db
def test_create_user_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="Unknown role 'nurse'"):
        call_command("create_user", "pat", role="nurse", password="a-long-Passphrase-9")
    assert not User.objects.filter(username="pat").exists()


@pytest.mark.django_db
def test_create_user_refuses_an_existing_user():
    User.objects.create_user("pat")
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_user", "pat", role="editor", password="a-long-Passphrase-9"
        )


@pytest.mark.django_db
def test_create_user_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        call_command("create_user", "pat", role="editor", password="abc")
    assert not User.objects.filter(username="pat").exists()


@pytest.mark.django_db
def test_create_user_prompts_for_the_password(monkeypatch):
    answers = iter(["prompted-Passphrase-42", "prompted-Passphrase-42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    call_command("create_user", "pat", role="moderator")
    assert User.objects.get(username="pat").check_password("prompted-Passphrase-42")


@pytest.mark.django_db
def test_create_user_stops_when_the_prompted_passwords_differ(monkeypatch):
    answers = iter(["prompted-Passphrase-42", "something-else-42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_user", "pat", role="moderator")


@pytest.mark.django_db(transaction=True)
def test_role_groups_and_site_come_back_after_a_flush():
    # A transactional test empties every table when it ends; the next test
    # must still find what the migrations made.
    call_command("flush", interactive=False, verbosity=0)
    editors = Group.objects.get(name="Editors")
    assert editors.permissions.filter(codename="change_article").exists()
    assert Group.objects.filter(name="Moderators").exists()
    assert Site.objects.filter(pk=1).exists()


@pytest.mark.django_db
def test_migrate_keeps_the_permissions_an_administrator_changed():
    editors = Group.objects.get(name="Editors")
    editors.permissions.remove(
        Permission.objects.get(codename="publish_article"),
    )
    editors.permissions.add(Permission.objects.get(codename="delete_tag"))
    call_command("migrate", verbosity=0)
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert "publish_article" not in codenames
    assert "delete_tag" in codenames
