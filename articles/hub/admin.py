from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from clinic.admin import ClinicModelAdmin, PublicContentAdmin

from .models import Backlink, Link, LinkCheck
from .services.backlinks import (
    import_backlinks_csv,
    invalidate_backlink_pages,
    queue_verification,
)
from .services.dashboard import hub_dashboard
from .services.link_checks import check_outbound_links
from .services.links import unlink as unlink_link


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
    list_filter = (
        "status",
        "is_approved",
        "via",
        "is_nofollow",
        "is_sponsored",
        "created_at",
        "first_seen_at",
    )
    list_select_related = ("target_article",)
    search_fields = ("source_url", "referring_domain", "anchor_text")
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer(*(f"target_article__{field}" for field in Article.LARGE_FIELDS))
        )

    autocomplete_fields = ("target_article",)
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
    change_list_template = "admin/hub/backlink/change_list.html"

    @admin.display(description=_("rel"))
    def rel_flags(self, obj):
        return obj.rel or "-"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "source_url" in form.changed_data:
            queue_verification(obj)

    @admin.action(description=_("Approve for the public hub"), permissions=("change",))
    def approve(self, request, queryset):
        slugs = list(queryset.values_list("target_article__slug", flat=True))
        count = queryset.update(is_approved=True)
        invalidate_backlink_pages(slugs)  # Once the rows say so.
        self.message_user(request, _("%d backlink(s) approved.") % count)

    @admin.action(description=_("Reject"), permissions=("change",))
    def reject(self, request, queryset):
        slugs = list(queryset.values_list("target_article__slug", flat=True))
        count = queryset.update(status=Backlink.Status.REJECTED, is_approved=False)
        invalidate_backlink_pages(slugs)
        self.message_user(request, _("%d backlink(s) rejected.") % count)

    @admin.action(description=_("Verify again now"), permissions=("change",))
    def verify_now(self, request, queryset):
        backlinks = list(queryset.only("pk"))
        for backlink in backlinks:
            queue_verification(backlink)
        self.message_user(request, _("%d check(s) queued.") % len(backlinks))

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="hub_backlink_import",
            ),
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="hub_backlink_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        figures = hub_dashboard()
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
        return TemplateResponse(request, "admin/hub/backlink/dashboard.html", context)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BacklinkCSVForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = import_backlinks_csv(form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import backlinks from CSV"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/hub/backlink/import.html", context)


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
class LinkAdmin(ClinicModelAdmin):
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
            .defer(
                *(f"source__{field}" for field in Article.LARGE_FIELDS),
                *(f"target_article__{field}" for field in Article.LARGE_FIELDS),
            )
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

    def has_edit_links_permission(self, request):
        # Links live in article bodies: whoever edits articles tends them.
        return request.user.has_perm("articles.change_article")

    @admin.action(description=_("Check again now"), permissions=("edit_links",))
    def recheck(self, request, queryset):
        urls = set(queryset.external().values_list("url", flat=True))
        counts = check_outbound_links(urls=urls)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.message_user(request, _("Checked: %s.") % (summary or _("nothing")))

    @admin.action(description=_("Mark as not broken"), permissions=("edit_links",))
    def mark_not_broken(self, request, queryset):
        urls = queryset.external().values("url")
        count = LinkCheck.objects.filter(url__in=urls).update(is_ignored=True)
        self.message_user(request, _("%d address(es) marked as not broken.") % count)

    @admin.action(description=_("Unlink (keep the text)"), permissions=("edit_links",))
    def unlink(self, request, queryset):
        done = 0
        for link in queryset.select_related("source", "target_article"):
            try:
                unlink_link(link=link, user=request.user)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            done += 1
        self.message_user(request, _("%d link(s) removed from their articles.") % done)
