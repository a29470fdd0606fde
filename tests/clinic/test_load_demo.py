import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_load_demo_prints_accounts_that_can_log_in(client, capsys):
    call_command("load_demo")
    call_command("load_demo")  # A second run changes nothing and does not fail.
    out = capsys.readouterr().out
    assert "editor" in out
    assert "demo-editor-pass" in out
    signed_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "demo-editor-pass"},
    )
    assert signed_in.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 200
