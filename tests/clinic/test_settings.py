import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic.settings import env_bool, env_list
from tests.helpers import PRODUCTION_ENV, ROOT, run_python


def test_an_empty_database_url_means_sqlite():
    result = run_python(
        "import django; django.setup(); from django.db import connection;"
        "print(connection.vendor)",
        DATABASE_URL="",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "sqlite"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("On", True),
        ("0", False),
        ("no", False),
        ("", False),
    ],
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        env_bool("FLAG")


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, b.example ,,")
    assert env_list("HOSTS") == ["a.example", "b.example"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", ["x"]) == ["x"]


def test_missing_secret_key_outside_debug_stops_startup():
    result = run_python("import django; django.setup()")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)",
        DJANGO_DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


def test_database_and_cache_come_from_the_environment():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE']); "
        "print(settings.CACHES['default']['BACKEND'])",
        DATABASE_URL="postgres://u@db.example:5432/clinic",
        REDIS_URL="redis://cache.example:6379/0",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "django_redis.cache.RedisCache",
    ]


def test_defaults_are_sqlite_and_a_cache_every_process_shares():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE']); "
        "print(settings.CACHES['default']['BACKEND']); print(settings.DEBUG)",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.filebased.FileBasedCache",
        "False",
    ]


def test_check_deploy_is_clean_with_production_values():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "REDIS_"))
            },
            **PRODUCTION_ENV,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_manage_py_names_the_missing_secret_key():
    result = run_python(
        "import runpy, sys; sys.argv = ['manage.py', 'check']; "
        "runpy.run_path('manage.py', run_name='__main__')"
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Settings error: DJANGO_SECRET_KEY is not set.")
    assert "AppRegistryNotReady" not in result.stderr


def test_production_without_mail_settings_refuses_to_start():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_EMAIL_BACKEND"}
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "DJANGO_EMAIL_BACKEND is not set" in result.stderr


def test_check_deploy_warns_without_trusted_proxies():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CLINIC_TRUSTED_PROXIES"}
    result = run_python(
        "import django; django.setup(); from django.core.management import "
        "call_command; call_command('check', '--deploy')",
        **env,
    )
    assert "clinic.W001" in result.stderr + result.stdout
