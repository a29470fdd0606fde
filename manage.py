#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now.
    except ImproperlyConfigured as error:
        # Django would note the error and fail later with an unrelated one
        # ("Models aren't loaded yet"); say what is wrong instead.
        sys.exit(f"Settings error: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
