"""Admin parts every app shares."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers, widgets
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _, gettext_lazy as _lazy

from .pagecache import invalidate_after_commit


class ClinicAdminSite(admin.AdminSite):
    """
    The admin under the clinic's name, whose home page shows each person
    what needs their attention (see home.py) above the list of sections.
    """

    index_title = _lazy("Home")
    # The section menu beside every page takes 300 px a list needs on a
    # laptop; the breadcrumbs and the home page lead everywhere instead.
    enable_nav_sidebar = False

    @property
    def site_header(self):
        return settings.CLINIC_NAME

    @property
    def site_title(self):
        return settings.CLINIC_NAME

    def index(self, request, extra_context=None):
        from .home import home_panels

        return super().index(
            request, {"panels": home_panels(request.user), **(extra_context or {})}
        )


class ClinicModelAdmin(admin.ModelAdmin):
    """The admin's lists and forms, as every model of the clinic has them."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, widgets.AdminSplitDateTime):
            # Its two boxes are labelled only by the words beside them.
            name = capfirst(db_field.verbose_name)
            date, time = field.widget.widgets
            date.attrs["aria-label"] = _("%(field)s: date") % {"field": name}
            time.attrs["aria-label"] = _("%(field)s: time") % {"field": name}
        return field

    def action_checkbox(self, obj):
        # The same markup as Django's checkbox widget, written directly: its
        # template, rendered for each of a hundred rows, costs more than the
        # rest of the row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class PublicContentAdmin(ClinicModelAdmin):
    """Admin for models shown on public pages: changes empty the page cache."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate_after_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        invalidate_after_commit()
