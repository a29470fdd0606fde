from django.conf import settings


def clinic(request):
    """Add the clinic's name to every template context."""
    return {"clinic_name": settings.CLINIC_NAME}
