from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _, ngettext
from reversion_compare.admin import CompareVersionAdmin

from clinic.addresses import site_hosts
from clinic.logs import queue

from . import services
from .forms import ImageForm
from .models import (
    Article,
    Backlink,
    Category,
    Image,
    Link,
    LinkCheck,
    Person,
    Reference,
    SiteConfiguration,
    Tag,
)
from .richtext import outside_image_hosts
from .tasks import verify_backlink_task
from .views import preview_url


class PublicContentAdmin(admin.ModelAdmin):
    """Admin for models shown on public pages: changes empty the page cache."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.invalidate_after_commit()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.invalidate_after_commit()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.invalidate_after_commit()


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
        services.sync_article_links(article=obj)
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


def weekly_chart(weeks, new, lost, *, width=640, height=200):
    """
    Return the geometry of a bar chart of new and lost backlinks per week,
    for an inline SVG: {"width", "height", "bars": [...], "max": int}.
    """
    top = max([*new, *lost, 1])
    slot = width / len(weeks)
    bar = slot * 0.38
    bars = []
    for index, (week, n_new, n_lost) in enumerate(zip(weeks, new, lost, strict=True)):
        x = index * slot + slot * 0.1
        for offset, value, kind in ((0, n_new, "new"), (bar, n_lost, "lost")):
            h = round((height - 20) * value / top, 1)
            bars.append(
                {
                    "x": round(x + offset, 1),
                    "y": round(height - 20 - h, 1),
                    "width": round(bar, 1),
                    "height": h,
                    "kind": kind,
                    "value": value,
                    "week": week,
                }
            )
    labels = [
        {"x": round(index * slot + slot / 2, 1), "week": week}
        for index, week in enumerate(weeks)
        if index % 2 == 0
    ]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "max": top,
    }


class BacklinkCSVForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: source_url, article (the article's address or slug). A "
            "header row is optional. At most 5,000 rows."
        ),
    )


@admin.register(Backlink)
class BacklinkAdmin(PublicContentAdmin):
    list_display = (
        "source_url",
        "target_article",
        "referring_domain",
        "status",
        "is_approved",
        "rel_flags",
        "last_seen_at",
        "last_checked_at",
    )
    list_filter = ("status", "is_approved", "via", "is_nofollow", "is_sponsored")
    list_select_related = ("target_article",)
    search_fields = ("source_url", "referring_domain", "anchor_text")
    autocomplete_fields = ("target_article",)
    date_hierarchy = "created_at"
    fields = (
        "source_url",
        "target_article",
        "is_approved",
        "status",
        "referring_domain",
        "anchor_text",
        "rel_flags",
        "via",
        "check_note",
        "first_seen_at",
        "last_seen_at",
        "last_checked_at",
    )
    # Everything after the editable three is found by checking the page.
    readonly_fields = fields[3:]
    actions = ("approve", "reject", "verify_now")
    change_list_template = "admin/articles/backlink/change_list.html"

    @admin.display(description=_("rel"))
    def rel_flags(self, obj):
        return obj.rel or "-"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "source_url" in form.changed_data:
            transaction.on_commit(
                lambda: queue(verify_backlink_task, backlink_id=obj.pk)
            )

    @admin.action(description=_("Approve for the public hub"))
    def approve(self, request, queryset):
        count = queryset.update(is_approved=True)
        services.invalidate_after_commit()
        self.message_user(request, _("%d backlink(s) approved.") % count)

    @admin.action(description=_("Reject"))
    def reject(self, request, queryset):
        count = queryset.update(status=Backlink.Status.REJECTED, is_approved=False)
        services.invalidate_after_commit()
        self.message_user(request, _("%d backlink(s) rejected.") % count)

    @admin.action(description=_("Verify again now"))
    def verify_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        for backlink_id in ids:
            queue(verify_backlink_task, backlink_id=backlink_id)
        self.message_user(request, _("%d check(s) queued.") % len(ids))

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_backlink_import",
            ),
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="articles_backlink_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = services.hub_dashboard()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Backlinks Hub"),
            "figures": figures,
            "statuses": [
                (label, figures["by_status"].get(value, 0))
                for value, label in Backlink.Status.choices
            ],
            "chart": weekly_chart(
                figures["weeks"], figures["new_per_week"], figures["lost_per_week"]
            ),
        }
        return TemplateResponse(
            request, "admin/articles/backlink/dashboard.html", context
        )

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BacklinkCSVForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = services.import_backlinks_csv(form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import backlinks from CSV"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/articles/backlink/import.html", context)


class LinkHealthFilter(admin.SimpleListFilter):
    title = _("health")
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return (
            ("broken", _("Broken")),
            ("retrying", _("Failing, retrying")),
            ("internal-broken", _("Internal, to a missing or hidden article")),
        )

    def queryset(self, request, queryset):
        if self.value() == "broken":
            return queryset.filter(url__in=LinkCheck.objects.broken().values("url"))
        if self.value() == "retrying":
            return queryset.filter(
                url__in=LinkCheck.objects.filter(status="retrying").values("url")
            )
        if self.value() == "internal-broken":
            return queryset & Link.objects.broken_internal()
        return queryset


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ("source", "target", "anchor_text", "health")
    list_filter = (LinkHealthFilter, "is_internal")
    list_select_related = ("source", "target_article")
    search_fields = ("url", "anchor_text", "source__title")
    actions = ("recheck", "mark_not_broken", "unlink")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        health = LinkCheck.objects.filter(url=OuterRef("url"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                check_status=Subquery(health.values("status")[:1]),
                check_note=Subquery(health.values("note")[:1]),
            )
        )

    @admin.display(description=_("links to"))
    def target(self, obj):
        return obj.target_article or obj.url

    @admin.display(description=_("health"), ordering="check_status")
    def health(self, obj):
        if obj.is_internal:
            target = obj.target_article
            if target is None:
                return _("Missing article")
            return _("OK") if target.is_published else target.get_status_display()
        if obj.check_status is None:
            return _("Not checked yet")
        label = LinkCheck.Status(obj.check_status).label
        return f"{label} ({obj.check_note})" if obj.check_note else label

    @admin.action(description=_("Check again now"))
    def recheck(self, request, queryset):
        urls = set(queryset.external().values_list("url", flat=True))
        counts = services.check_outbound_links(urls=urls)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.message_user(request, _("Checked: %s.") % (summary or _("nothing")))

    @admin.action(description=_("Mark as not broken"))
    def mark_not_broken(self, request, queryset):
        urls = queryset.external().values("url")
        count = LinkCheck.objects.filter(url__in=urls).update(is_ignored=True)
        self.message_user(request, _("%d address(es) marked as not broken.") % count)

    @admin.action(description=_("Unlink (keep the text)"))
    def unlink(self, request, queryset):
        done = 0
        for link in queryset.select_related("source", "target_article"):
            try:
                services.unlink(link=link, user=request.user)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            done += 1
        self.message_user(request, _("%d link(s) removed from their articles.") % done)
