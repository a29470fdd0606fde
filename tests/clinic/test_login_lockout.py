"""
Brute force on the admin login: five wrong passwords lock out that username
from that address for 30 minutes; nobody else is locked out with them.
"""

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.security]

PASSWORD = "pw-for-tests-1"


@pytest.fixture(autouse=True)
def _staff():
    UserFactory(username="editor", role="Editors")
    UserFactory(username="moderator", role="Moderators")


def log_in(client, username, password, address="203.0.113.10", **headers):
    client.cookies.clear()
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def fail_five_times(client, username="editor", address="203.0.113.10"):
    statuses = [
        log_in(client, username, "not-the-password", address).status_code
        for _ in range(5)
    ]
    # The form again, with an error, four times; the fifth locks.
    assert statuses == [200, 200, 200, 200, 429]


def test_five_failures_lock_the_username_at_that_address(client):
    fail_five_times(client)
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert b"30 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_another_user_at_the_same_address_still_logs_in(client):
    fail_five_times(client)
    response = log_in(client, "moderator", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_same_user_elsewhere_still_logs_in(client):
    fail_five_times(client)
    assert log_in(client, "editor", PASSWORD, "198.51.100.20").status_code == 302


def test_the_lockout_ends_after_thirty_minutes(client):
    fail_five_times(client)
    assert log_in(client, "editor", PASSWORD).status_code == 429
    # Thirty minutes after the last attempt.
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        assert log_in(client, "editor", PASSWORD).status_code == 302


def test_four_failures_then_success_start_the_count_again(client):
    for _ in range(4):
        log_in(client, "editor", "not-the-password")
    assert log_in(client, "editor", PASSWORD).status_code == 302
    for _ in range(4):
        log_in(client, "editor", "not-the-password")
    assert log_in(client, "editor", PASSWORD).status_code == 302


def test_behind_the_proxy_each_reader_address_counts(client, settings):
    settings.CLINIC_TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(5):
        log_in(
            client,
            "editor",
            "not-the-password",
            "127.0.0.1",
            x_forwarded_for="198.51.100.7",
        )
    locked = log_in(
        client, "editor", PASSWORD, "127.0.0.1", x_forwarded_for="198.51.100.7"
    )
    other = log_in(
        client, "editor", PASSWORD, "127.0.0.1", x_forwarded_for="198.51.100.8"
    )
    assert (locked.status_code, other.status_code) == (429, 302)


def test_staff_passwords_follow_the_validators(client):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", "root@clinic.example", PASSWORD)
    editor = User.objects.get(username="editor")
    client.force_login(admin)
    url = f"/admin/auth/user/{editor.pk}/password/"
    for weak, reason in (
        ("short1A", "too short"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
    ):
        response = client.post(url, {"password1": weak, "password2": weak})
        assert response.status_code == 200
        assert reason in response.content.decode()
    strong = "a-long-Passphrase-9"
    response = client.post(url, {"password1": strong, "password2": strong})
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password(strong)
