from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse


class ClinicCSPMiddleware(CSPMiddleware):
    """
    Content-Security-Policy from settings.CONTENT_SECURITY_POLICY on every
    response. Pages under the admin get CLINIC_ADMIN_CSP_UPDATE on top: the
    rich-text editor injects its own <style> elements and previews images
    from blob: URLs. Public pages keep the strict policy.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith(reverse("admin:index")):
            parts.update = {**(parts.update or {}), **settings.CLINIC_ADMIN_CSP_UPDATE}
        return parts
