"""System checks for a production configuration (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs, **kwargs):
    """Behind a proxy, every visitor would share the proxy's address."""
    if settings.DEBUG or settings.CLINIC_TRUSTED_PROXIES:
        return []
    return [
        Warning(
            "CLINIC_TRUSTED_PROXIES is empty, so behind nginx every visitor "
            "has the proxy's address: one person's failed logins lock every "
            "editor out, and one reader's comments use up everyone's limit.",
            hint="Set CLINIC_TRUSTED_PROXIES to the proxy's address (127.0.0.1 "
            "when nginx runs on the same host). Silence clinic.W001 only when "
            "gunicorn faces the internet itself.",
            id="clinic.W001",
        )
    ]
