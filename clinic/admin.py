"""Admin parts every app shares."""

from django.contrib import admin

from .pagecache import invalidate_after_commit


class PublicContentAdmin(admin.ModelAdmin):
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
