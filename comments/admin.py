import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _, ngettext

from articles.models import Article
from clinic.admin import ClinicModelAdmin

from . import privacy, services
from .models import Comment, DiscussionSettings, Flag


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        # Counts of what waits for a moderator or was turned away, read from
        # the queue's index; the approved comments (nearly all of them) are
        # not counted on every page view.
        counted = [s for s in Comment.Status.values if s != Comment.Status.APPROVED]
        counts = dict(
            Comment.objects.filter(status__in=counted)
            .values_list("status")
            .annotate(n=Count("*"))
            .order_by()
        )
        return [
            (value, f"{label} ({counts.get(value, 0)})" if value in counted else label)
            for value, label in Comment.Status.choices
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class ReportedFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return (("yes", _("Reported")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(report_count__gt=0)
        return queryset


class FlagInline(admin.TabularInline):
    model = Flag
    fields = ("reason", "created_at")
    readonly_fields = ("reason", "created_at")
    extra = 0
    can_delete = False
    verbose_name_plural = _("reports from readers")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever sees the comment sees why readers reported it.
        return request.user.has_perm("comments.view_comment")


class PrivacyRequestForm(forms.Form):
    email = forms.EmailField(label=_("The reader's email address"))
    action = forms.ChoiceField(
        label=_("What to do"),
        choices=(
            (privacy.EXPORT, _("Download everything stored (JSON)")),
            (privacy.ERASE, _("Erase everything stored")),
        ),
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("I have checked that the request comes from this address."),
        required=True,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        max_length=Comment.MAX_LENGTH,
    )


@admin.register(Comment)
class CommentAdmin(ClinicModelAdmin):
    list_display = (
        "excerpt",
        "author_name",
        "article",
        "status_badge",
        "reasons",
        "reports",
        "created_at",
    )
    list_filter = (StatusFilter, ReportedFilter, "created_at")
    inlines = (FlagInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ("article",)
    search_fields = ("body", "author_name", "author_email", "article__title")
    ordering = ("-created_at",)
    #: The total of a filtered list only: a second count of every comment
    #: on each page view is not worth its time.
    show_full_result_count = False
    fields = (
        "article_link",
        "parent_link",
        "status_badge",
        "reasons",
        "author_name",
        "author_email",
        "author_url",
        "body",
        "created_at",
        "moderated_by",
        "moderated_at",
        "edited_by",
        "edited_at",
        "reply_link",
    )
    readonly_fields = (
        "article_link",
        "parent_link",
        "status_badge",
        "reasons",
        "author_email",
        "created_at",
        "moderated_by",
        "moderated_at",
        "edited_by",
        "edited_at",
        "reply_link",
    )
    actions = (
        "approve",
        "unapprove",
        "mark_spam",
        "move_to_trash",
        "restore",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.moderate_comment")

    def get_queryset(self, request):
        reports = (
            Flag.objects.filter(comment=OuterRef("pk"))
            .order_by()
            .values("comment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            # Counted per row shown, not grouped over every comment; each
            # comment's article without its body.
            .annotate(report_count=Coalesce(Subquery(reports), Value(0)))
            .defer(*(f"article__{field}" for field in Article.LARGE_FIELDS))
            .prefetch_related("flags")
        )

    @admin.display(description=_("reports"), ordering="report_count")
    def reports(self, obj):
        if not obj.report_count:
            return ""
        reasons = sorted({flag.get_reason_display() for flag in obj.flags.all()})
        return format_html("{} ({})", obj.report_count, ", ".join(reasons))

    @admin.display(description=_("comment"))
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("why"))
    def reasons(self, obj):
        return "; ".join(obj.status_reasons)

    @admin.display(description=_("article"))
    def article_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', obj.article.get_absolute_url(), obj.article
        )

    @admin.display(description=_("in reply to"))
    def parent_link(self, obj):
        if not obj.parent_id:
            return "-"
        url = reverse("admin:comments_comment_change", args=[obj.parent_id])
        return format_html('<a href="{}">{}</a>', url, obj.parent)

    @admin.display(description=_("reply"))
    def reply_link(self, obj):
        if not obj.pk or obj.status != Comment.Status.APPROVED:
            return _("Approve the comment to reply to it.")
        url = reverse("admin:comments_comment_reply", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}">{}</a>', url, _("Reply as the clinic")
        )

    def _moderate(self, request, queryset, status, done):
        count = services.moderate_comments(
            list(queryset.select_related("article", "parent")),
            status=status,
            moderator=request.user,
        )
        self.message_user(request, ngettext(done[0], done[1], count) % count)

    @admin.action(description=_("Approve"), permissions=("moderate",))
    def approve(self, request, queryset):
        self._moderate(
            request,
            queryset,
            Comment.Status.APPROVED,
            ("%d comment approved.", "%d comments approved."),
        )

    @admin.action(
        description=_("Unapprove (back to pending)"), permissions=("moderate",)
    )
    def unapprove(self, request, queryset):
        self._moderate(
            request,
            queryset,
            Comment.Status.PENDING,
            ("%d comment unapproved.", "%d comments unapproved."),
        )

    @admin.action(description=_("Mark as spam"), permissions=("moderate",))
    def mark_spam(self, request, queryset):
        self._moderate(
            request,
            queryset,
            Comment.Status.SPAM,
            ("%d comment marked as spam.", "%d comments marked as spam."),
        )

    @admin.action(description=_("Move to trash"), permissions=("moderate",))
    def move_to_trash(self, request, queryset):
        self._moderate(
            request,
            queryset,
            Comment.Status.TRASH,
            ("%d comment moved to the trash.", "%d comments moved to the trash."),
        )

    @admin.action(description=_("Restore to pending"), permissions=("moderate",))
    def restore(self, request, queryset):
        self._moderate(
            request,
            queryset.filter(status__in=(Comment.Status.SPAM, Comment.Status.TRASH)),
            Comment.Status.PENDING,
            ("%d comment restored.", "%d comments restored."),
        )

    def save_model(self, request, obj, form, change):
        services.edit_comment(
            comment=obj, editor=request.user, fields=form.changed_data or ["body"]
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/reply/",
                self.admin_site.admin_view(self.reply_view),
                name="comments_comment_reply",
            ),
            path(
                "privacy/",
                self.admin_site.admin_view(self.privacy_view),
                name="comments_comment_privacy",
            ),
            *super().get_urls(),
        ]

    def privacy_view(self, request):
        """A reader's request by email or letter, run by a moderator."""
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        form = PrivacyRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            if form.cleaned_data["action"] == privacy.EXPORT:
                data = privacy.export_personal_data(email)
                response = HttpResponse(
                    json.dumps(data, indent=2, ensure_ascii=False),
                    content_type="application/json",
                )
                response["Content-Disposition"] = (
                    'attachment; filename="personal-data.json"'
                )
                return response
            done = privacy.erase_personal_data(email)
            # The address is not repeated: it is what was just erased.
            messages.success(request, str(done))
            return redirect("admin:comments_comment_privacy")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("A reader's data"),
            "form": form,
        }
        return TemplateResponse(request, "admin/comments/comment/privacy.html", context)

    def reply_view(self, request, pk):
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        parent = get_object_or_404(
            Comment.objects.approved().select_related("article"), pk=pk
        )
        form = ReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reply = services.reply_as_clinic(
                parent=parent, user=request.user, body=form.cleaned_data["body"]
            )
            messages.success(request, _("Your reply is published."))
            return redirect("admin:comments_comment_change", reply.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reply as the clinic"),
            "parent": parent,
            "form": form,
        }
        return TemplateResponse(request, "admin/comments/comment/reply.html", context)


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(admin.ModelAdmin):
    fieldsets = (
        (
            _("Before a comment appears"),
            {
                "fields": (
                    "manual_approval",
                    "auto_approve_after",
                    "hold_at_links",
                    "moderation_keywords",
                    "disallowed_keywords",
                    "flag_threshold",
                )
            },
        ),
        (
            _("Threads"),
            {"fields": ("close_after_days", "thread_depth", "comments_per_page")},
        ),
        (_("Privacy"), {"fields": ("retention_days",)}),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        config = DiscussionSettings.load()
        return redirect("admin:comments_discussionsettings_change", config.pk)
