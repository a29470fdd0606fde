from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _, ngettext
from reversion_compare.admin import CompareVersionAdmin

from articles.hub.services.links import sync_article_links
from clinic.addresses import site_hosts
from clinic.admin import PublicContentAdmin

from . import services
from .forms import ImageForm
from .models import (
    Article,
    Category,
    Image,
    Person,
    Reference,
    SiteConfiguration,
    Tag,
)
from .richtext import outside_image_hosts
from .views import preview_url


@admin.register(Category)
class CategoryAdmin(PublicContentAdmin):
    list_display = ("name", "parent", "position", "slug")
    list_editable = ("position",)
    list_filter = ("parent",)
    list_select_related = ("parent",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)


@admin.register(Tag)
class TagAdmin(PublicContentAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Image)
class ImageAdmin(PublicContentAdmin):
    form = ImageForm
    list_display = ("thumbnail", "__str__", "dimensions", "uploaded_by", "created_at")
    list_select_related = ("uploaded_by",)
    search_fields = ("title", "file")
    date_hierarchy = "created_at"
    readonly_fields = ("thumbnail", "dimensions", "uploaded_by", "created_at")

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<img src="{}" alt="" width="120" style="height:auto">', obj.jpeg_480.url
        )

    @admin.display(description=_("size"))
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.pk else "-"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Person)
class PersonAdmin(PublicContentAdmin):
    list_display = ("name", "credentials", "user")
    list_select_related = ("user",)
    search_fields = ("name", "credentials")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("photo", "user")


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ("position", "citation", "url", "doi", "pmid")


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = _("medical review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return (
            ("overdue", _("Review overdue")),
            ("unsigned", _("Not signed off")),
        )

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.review_overdue()
        if self.value() == "unsigned":
            return queryset.filter(reviewed_by__isnull=True)
        return queryset


#: Workflow steps: POST name -> (service, success message).
WORKFLOW = {
    "submit": (services.submit_for_review, _("Sent “%s” for medical review.")),
    "sign_off": (services.sign_off_article, _("Signed off “%s”.")),
    "publish": (services.publish_article, _("Published “%s”.")),
    "unpublish": (services.unpublish_article, _("Unpublished “%s”; it is a draft.")),
    "archive": (services.archive_article, _("Archived “%s”.")),
}


@admin.register(Article)
class ArticleAdmin(PublicContentAdmin, CompareVersionAdmin):
    list_display = (
        "title",
        "state",
        "category",
        "author",
        "sign_off",
        "next_review_at",
        "published_at",
    )
    list_filter = ("status", ReviewOverdueFilter, "category", "is_featured")
    list_select_related = ("category", "category__parent", "author", "reviewed_by")
    search_fields = ("title", "summary", "slug")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("tags", "author", "featured_image")
    inlines = (ReferenceInline,)
    readonly_fields = (
        "state",
        "sign_off",
        "published_at",
        "next_review_at",
        "preview_links",
    )
    actions = (
        "submit_selected",
        "sign_off_selected",
        "publish_selected",
        "unpublish_selected",
        "archive_selected",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "body")}),
        (
            _("Featured image"),
            {
                "fields": (
                    "featured_image",
                    "featured_image_alt",
                    "featured_image_is_decorative",
                )
            },
        ),
        (_("Filing"), {"fields": ("category", "tags", "author", "is_featured")}),
        (
            _("Review and publication"),
            {
                "fields": (
                    "state",
                    "sign_off",
                    "review_interval_months",
                    "next_review_at",
                    "publish_at",
                    "published_at",
                    "preview_links",
                )
            },
        ),
        (
            _("Search engines and discussion"),
            {
                "classes": ("collapse",),
                "fields": ("seo_title", "meta_description", "allow_comments"),
            },
        ),
    )

    @admin.display(description=_("state"), ordering="status")
    def state(self, obj):
        if obj.is_scheduled:
            when = timezone.localtime(obj.publish_at).strftime("%Y-%m-%d %H:%M")
            waiting = "" if obj.has_current_sign_off else _(", waiting for sign-off")
            return format_html("{} {}{}", _("Scheduled for"), when, waiting)
        return obj.get_status_display()

    @admin.display(description=_("medical sign-off"), ordering="last_reviewed")
    def sign_off(self, obj):
        if not obj.reviewed_by_id:
            return _("Not signed off")
        overdue = _(" (review overdue)") if obj.is_review_overdue else ""
        return format_html(
            "{} · {}{}", obj.reviewed_by.name, obj.last_reviewed, overdue
        )

    @admin.display(description=_("preview"))
    def preview_links(self, obj):
        if not obj.pk:
            return _("Save the article to preview it.")
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a><br>'
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a> {}',
            reverse("articles:preview", args=[obj.pk]),
            _("Preview as readers will see it"),
            preview_url(obj),
            _("Link for an outside reviewer"),
            _("(copy the link address: it opens without a login for 7 days)"),
        )

    def save_model(self, request, obj, form, change):
        before = Article.objects.filter(pk=obj.pk).first() if obj.pk else None
        super().save_model(request, obj, form, change)
        sync_article_links(article=obj)
        if before and before.published_at and before.slug != obj.slug:
            old_path = reverse("articles:detail", kwargs={"slug": before.slug})
            services.record_slug_change(article=obj, old_path=old_path)
            messages.info(
                request,
                _("The old address %(path)s now redirects to the new one.")
                % {"path": old_path},
            )
        outside = outside_image_hosts(
            obj.body, site_hosts(), settings.CLINIC_MEDIA_ORIGINS
        )
        if outside:
            messages.warning(
                request,
                _(
                    "Readers' browsers will not show the images this article "
                    "takes from other sites (%(hosts)s). Upload them with the "
                    "editor's image button instead."
                )
                % {"hosts": ", ".join(outside)},
            )
        if before and before.has_current_sign_off and not obj.reviewed_by_id:
            messages.warning(
                request,
                _(
                    "Your change to the title, summary or body voided the "
                    "medical sign-off. A reviewer must sign it off again before "
                    "it is public."
                ),
            )

    def response_change(self, request, obj):
        for step in WORKFLOW:
            if f"_workflow_{step}" in request.POST:
                self._run_step(request, step, [obj])
                return self.response_post_save_change(request, obj)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["workflow_steps"] = self._available_steps(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _available_steps(self, request, obj):
        if obj is None or not self.has_change_permission(request, obj):
            return []
        user, status = request.user, obj.status
        steps = []
        if status == Article.Status.DRAFT:
            steps.append(("submit", _("Save and send for review")))
        if user.has_perm("articles.sign_off_article") and status != "archived":
            steps.append(("sign_off", _("Save and sign off")))
        if user.has_perm("articles.publish_article"):
            if status in (Article.Status.DRAFT, Article.Status.IN_REVIEW):
                steps.append(("publish", _("Save and publish")))
            if status == Article.Status.PUBLISHED:
                steps.append(("unpublish", _("Save and unpublish")))
            if status != Article.Status.ARCHIVED:
                steps.append(("archive", _("Save and archive")))
        return steps

    def _run_step(self, request, step, articles):
        service, success = WORKFLOW[step]
        done = 0
        for article in articles:
            try:
                service(article=article, user=request.user)
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, text, messages.ERROR)
                continue
            done += 1
            if step == "publish" and article.is_scheduled:
                self.message_user(
                    request,
                    _("“%(title)s” is scheduled for %(when)s.")
                    % {
                        "title": article,
                        "when": timezone.localtime(article.publish_at).strftime(
                            "%Y-%m-%d %H:%M"
                        ),
                    },
                )
            elif len(articles) == 1:
                self.message_user(request, success % article)
        if len(articles) > 1 and done:
            self.message_user(
                request,
                ngettext("%d article updated.", "%d articles updated.", done) % done,
            )

    @admin.action(description=_("Send for medical review"))
    def submit_selected(self, request, queryset):
        self._run_step(request, "submit", list(queryset))

    @admin.action(
        description=_("Sign off the medical review"), permissions=("sign_off",)
    )
    def sign_off_selected(self, request, queryset):
        self._run_step(request, "sign_off", list(queryset))

    @admin.action(description=_("Publish (or schedule)"), permissions=("publish",))
    def publish_selected(self, request, queryset):
        self._run_step(request, "publish", list(queryset))

    @admin.action(description=_("Unpublish"), permissions=("publish",))
    def unpublish_selected(self, request, queryset):
        self._run_step(request, "unpublish", list(queryset))

    @admin.action(description=_("Archive"), permissions=("publish",))
    def archive_selected(self, request, queryset):
        self._run_step(request, "archive", list(queryset))

    def has_sign_off_permission(self, request):
        return request.user.has_perm("articles.sign_off_article")

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")


@admin.register(SiteConfiguration)
class SiteConfigurationAdmin(PublicContentAdmin):
    fieldsets = (
        (
            _("“Speak with a specialist” call to action"),
            {"fields": ("cta_heading", "cta_text", "cta_button", "cta_url")},
        ),
    )

    def has_add_permission(self, request):
        return not SiteConfiguration.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
