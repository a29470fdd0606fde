from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.flatpages import admin as flatpage_admin
from django.contrib.flatpages.models import FlatPage
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.translation import gettext_lazy as _, ngettext
from django_ckeditor_5.widgets import CKEditor5Widget
from reversion.admin import VersionAdmin

from articles.hub.services.dashboard import orphan_articles
from articles.hub.services.links import sync_article_links
from clinic.addresses import site_hosts
from clinic.admin import ClinicModelAdmin, PublicContentAdmin

from . import glossary, readability, revisions, services
from .forms import ImageForm
from .models import (
    Article,
    ArticleDraft,
    Autosave,
    Category,
    GlossaryTerm,
    Image,
    Person,
    Reference,
    SiteConfiguration,
    Synonym,
    Tag,
    clean_reference,
)
from .richtext import outside_image_hosts, sanitize_html, text_summary
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


@admin.register(Synonym)
class SynonymAdmin(ClinicModelAdmin):
    """Patients' words and what the articles call them, for search."""

    list_display = ("lay", "clinical")
    search_fields = ("lay", "clinical")


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(VersionAdmin, PublicContentAdmin):
    """
    Medical terms, plain words for them, and their meaning for readers,
    kept by medical reviewers; each change is a revision to go back to.
    """

    list_display = ("term", "plain", "meaning")
    search_fields = ("term", "plain", "meaning")


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


class ReferenceFormSet(BaseInlineFormSet):
    """
    References of a live article are edited as its draft's list, not as
    rows: each prefilled form must be kept even when left unchanged.
    """

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.initial_extra or ()):
            kwargs["empty_permitted"] = False
        return kwargs

    def reference_list(self):
        """Return the kept references, in order, as dicts."""
        # The service writes them: the admin's change message lists none.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form):
                continue
            rows.append((data.get("position") or 0, index, clean_reference(data)))
        return [
            reference
            for _position, _index, reference in sorted(rows, key=lambda r: r[:2])
        ]


class ReferenceInline(admin.StackedInline):
    # Stacked: a long citation beside four other fields is wider than a
    # laptop's screen.
    model = Reference
    formset = ReferenceFormSet
    extra = 0
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})},
    }
    fields = ("position", "citation", "url", "doi", "pmid")

    def get_extra(self, request, obj=None, **kwargs):
        if obj is not None and obj.is_live:
            return len(obj.working_version().reference_list())
        return self.extra


class ArticleAdminForm(forms.ModelForm):
    opened_version = forms.CharField(required=False, widget=forms.HiddenInput)
    review_notes_input = forms.CharField(
        label=_("Notes for the editor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to send the article back: say what should change."),
    )
    reading_reason_input = forms.CharField(
        label=_("Why sign off above the target grade"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed to sign off a version that reads above the clinic's "
            "target grade; kept with the sign-off."
        ),
    )

    class Meta:
        model = Article
        fields = (
            "title",
            "slug",
            "summary",
            "body",
            "featured_image",
            "featured_image_alt",
            "featured_image_is_decorative",
            "category",
            "tags",
            "author",
            "is_featured",
            "review_interval_months",
            "publish_at",
            "unpublish_at",
            "seo_title",
            "meta_description",
            "allow_comments",
            "explain_terms",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["opened_version"].initial = services.edit_token(
                self.instance.working_version()
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Locked until the admin's transaction ends, after the save: no
            # one can save in between the check and this save.
            live = Article.objects.select_for_update().get(pk=self.instance.pk)
            current = live.working_version()
            if not self.data.get("opened_version") and services.edit_token(current):
                raise forms.ValidationError(
                    _(
                        "This form does not say which version of the article "
                        "you opened, so saving it could overwrite someone "
                        "else's work. Copy your text, reload the page and "
                        "save again."
                    ),
                    code="stale",
                )
            if cleaned.get("opened_version", "") != services.edit_token(current):
                raise forms.ValidationError(
                    services.stale_edit_message(current), code="stale"
                )
        return cleaned


class UnpublishedChangesFilter(admin.SimpleListFilter):
    title = _("unpublished changes")
    parameter_name = "changes"

    def lookups(self, request, model_admin):
        return (("yes", _("Has unpublished changes")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(draft__isnull=False)
        return queryset


class WorkingStatusFilter(admin.SimpleListFilter):
    """Where the version editors work on stands, a live article's draft included."""

    title = _("work in progress")
    parameter_name = "working"

    def lookups(self, request, model_admin):
        return (
            ("draft", _("Draft, or a draft of changes")),
            ("sent_back", _("Sent back with notes")),
            ("in_review", _("In review, not signed off")),
        )

    def queryset(self, request, queryset):
        working = Article.objects.working_q
        if self.value() == "draft":
            return queryset.filter(working(status=Article.Status.DRAFT))
        if self.value() == "sent_back":
            return queryset.filter(working(status=Article.Status.DRAFT)).exclude(
                working(review_notes="")
            )
        if self.value() == "in_review":
            return queryset.filter(
                working(status=Article.Status.IN_REVIEW, review_fingerprint="")
            )
        return queryset


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = _("medical review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return (
            ("overdue", _("Review overdue")),
            ("due", _("Review due within 30 days")),
            ("unsigned", _("Not signed off")),
        )

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.review_overdue()
        if self.value() == "due":
            return queryset.review_due_within(30)
        if self.value() == "unsigned":
            return queryset.filter(reviewed_by__isnull=True)
        return queryset


class ReadingLevelFilter(admin.SimpleListFilter):
    title = _("reading level")
    parameter_name = "reading"

    def lookups(self, request, model_admin):
        return (
            ("above", _("Above the target grade")),
            ("within", _("Within the target grade")),
        )

    def queryset(self, request, queryset):
        if self.value() not in ("above", "within"):
            return queryset
        target = SiteConfiguration.load().target_grade
        if self.value() == "above":
            return queryset.filter(reading_grade__gt=target).order_by(
                "-reading_grade", "pk"
            )
        return queryset.filter(reading_grade__lte=target)


class ArticleChangeList(ChangeList):
    """The article list, without the columns derived from the body (the
    body itself stays: a scheduled row's state checks its sign-off)."""

    def get_queryset(self, request, exclude_parameters=None):
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .defer("body_html", "body_text", "toc", "search_vector")
        )


class LinkedFilter(admin.SimpleListFilter):
    title = _("links to it")
    parameter_name = "linked"

    def lookups(self, request, model_admin):
        return (("orphan", _("Published, and no published article links here")),)

    def queryset(self, request, queryset):
        if self.value() == "orphan":
            return orphan_articles(queryset.published())
        return queryset


#: How long an editor counts as having an article open after their last
#: page load or autosave.
EDITOR_PRESENCE_SECONDS = 90
#: The most text one autosaved field keeps.
AUTOSAVE_MAX_CHARS = 500_000

#: Workflow steps: POST name -> (service, success message).
WORKFLOW = {
    "submit": (services.submit_for_review, _("Sent “%s” for medical review.")),
    "sign_off": (services.sign_off_article, _("Signed off “%s”.")),
    "send_back": (services.send_back, _("Sent “%s” back to its editor.")),
    "discard": (
        services.discard_draft,
        _("Discarded the unpublished changes of “%s”."),
    ),
    "publish": (services.publish_article, _("Published “%s”.")),
    "unpublish": (services.unpublish_article, _("Unpublished “%s”; it is a draft.")),
    "archive": (services.archive_article, _("Archived “%s”.")),
}


@admin.register(Article)
class ArticleAdmin(PublicContentAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/history.html"
    #: Fifty rows a page: each row reads the article's state, reviewer and
    #: schedule, and a list of a hundred takes twice as long to draw.
    list_per_page = 50
    list_display = (
        "title",
        "state",
        "category",
        "author",
        "sign_off",
        "next_review_at",
        "published_at",
    )
    list_filter = (
        "status",
        WorkingStatusFilter,
        UnpublishedChangesFilter,
        ReviewOverdueFilter,
        ReadingLevelFilter,
        LinkedFilter,
        "category",
        "is_featured",
    )
    list_select_related = (
        "category",
        "category__parent",
        "author",
        "reviewed_by",
        "draft",
    )
    search_fields = ("title", "summary", "slug")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("tags", "author", "featured_image")
    inlines = (ReferenceInline,)
    readonly_fields = (
        "state",
        "sign_off",
        "published_at",
        "revised_at",
        "next_review_at",
        "preview_links",
        "reading_level",
    )
    actions = (
        "revoke_preview_links",
        "submit_selected",
        "sign_off_selected",
        "publish_selected",
        "unpublish_selected",
        "archive_selected",
    )
    fieldsets = (
        (None, {"fields": ("opened_version", "title", "slug", "summary", "body")}),
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
            _("Reading level"),
            {"fields": ("reading_level", "explain_terms")},
        ),
        (
            _("Review and publication"),
            {
                "fields": (
                    "state",
                    "sign_off",
                    "review_interval_months",
                    "next_review_at",
                    "publish_at",
                    "unpublish_at",
                    "published_at",
                    "revised_at",
                    "preview_links",
                    "review_notes_input",
                    "reading_reason_input",
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

    def get_queryset(self, request):
        # The state of a scheduled article checks its sign-off, which
        # covers its references.
        return super().get_queryset(request).prefetch_related("references")

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    @admin.display(description=_("state"), ordering="status")
    def state(self, obj):
        if obj.is_scheduled:
            when = timezone.localtime(obj.publish_at).strftime("%Y-%m-%d %H:%M")
            waiting = "" if obj.has_current_sign_off else _(", waiting for sign-off")
            return format_html("{} {}{}", _("Scheduled for"), when, waiting)
        draft = Article.draft.related.get_cached_value(obj, default=None)
        if draft is not None:
            return format_html(
                "{} · {} ({})",
                obj.get_status_display(),
                _("unpublished changes"),
                draft.get_status_display().lower(),
            )
        return obj.get_status_display()

    @admin.display(description=_("medical sign-off"), ordering="last_reviewed")
    def sign_off(self, obj):
        if not obj.reviewed_by_id:
            return _("Not signed off")
        overdue = _(" (review overdue)") if obj.is_review_overdue else ""
        return format_html(
            "{} · {}{}",
            obj.reviewer_name or obj.reviewed_by.name,
            obj.last_reviewed,
            overdue,
        )

    @admin.display(description=_("how it reads"))
    def reading_level(self, obj):
        if not obj.pk:
            return _("Save the article to see how hard it is to read.")
        target = SiteConfiguration.load().target_grade
        return render_to_string(
            "admin/articles/article/reading_level.html",
            {
                "version": obj,
                "reading": obj.reading,
                "target": target,
                "above_target": obj.above_target_grade(target),
                "hardest": readability.hardest_sentences(obj.body, above=target),
                "terms": glossary.terms_used(text_summary(obj.body, limit=None)),
            },
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        if obj is None or not request.user.has_perm("articles.sign_off_article"):
            # Only reviewers send a version back: nobody else writes notes.
            hidden.update(("review_notes_input", "reading_reason_input"))
        if obj is not None and not self.has_change_permission(request, obj):
            # A link that opens the draft without a login is for editors.
            hidden.add("preview_links")
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in hidden],
                },
            )
            for name, options in fieldsets
        ]

    # Editing: a live article's content goes to its draft -----------------

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if (
            article is not None
            and request.resolver_match.url_name.endswith("_change")
            and self.has_change_permission(request, article)
        ):
            # Unpublished changes are for editors only; saved only through
            # the services.
            article.show_working_version()
        return article

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ReferenceInline) and obj is not None and obj.is_live:
            kwargs["queryset"] = Reference.objects.none()
            kwargs["initial"] = [
                {"position": position, **reference}
                for position, reference in enumerate(
                    obj.working_version().reference_list()
                )
            ]
        return kwargs

    def save_model(self, request, obj, form, change):
        """Saved with the references, in save_related()."""

    def save_related(self, request, form, formsets, change):
        article = form.instance
        references = next(
            fs.reference_list() for fs in formsets if isinstance(fs, ReferenceFormSet)
        )
        if not change:
            services.create_article(
                article=article, references=references, user=request.user
            )
            form.save_m2m()
            sync_article_links(article=article)
            return
        before = Article.objects.get(pk=article.pk)
        was_signed = before.working_version().has_current_sign_off
        last_change = before.working_version().content_changed_at
        data = form.cleaned_data
        version = services.save_version(
            article=before,
            content={f: data[f] for f in Article.SIGNED_FIELDS if f in data},
            references=references,
            navigation={
                f: data[f]
                for f in (*Article.NAVIGATION_FIELDS, "publish_at")
                if f in data and f != "tags"
            },
            user=request.user,
            opened=data["opened_version"],
        )
        form.save_m2m()
        Autosave.objects.filter(article=article, user=request.user).delete()
        if before.published_at and before.slug != data.get("slug", before.slug):
            old_path = reverse("articles:detail", kwargs={"slug": before.slug})
            article.slug = data["slug"]
            services.record_slug_change(article=article, old_path=old_path)
            messages.info(
                request,
                _("The old address %(path)s now redirects to the new one.")
                % {"path": old_path},
            )
        outside = outside_image_hosts(
            version.body, site_hosts(), settings.CLINIC_MEDIA_ORIGINS
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
        changed = version.content_changed_at != last_change
        if isinstance(version, ArticleDraft) and changed:
            messages.info(
                request,
                _(
                    "Readers still see the published version. Your changes are "
                    "saved as unpublished changes that need a medical sign-off: "
                    "send them for review, then publish them."
                ),
            )
        elif was_signed and not version.has_current_sign_off:
            messages.warning(
                request,
                _(
                    "Your change to the medical content voided the sign-off. "
                    "A reviewer must sign off this version before it goes live."
                ),
            )

    def response_change(self, request, obj):
        for step in WORKFLOW:
            if f"_workflow_{step}" in request.POST:
                article = Article.objects.get(pk=obj.pk)
                extra = {}
                if step == "send_back":
                    extra["notes"] = request.POST.get("review_notes_input", "")
                if step == "sign_off":
                    extra["reading_reason"] = request.POST.get(
                        "reading_reason_input", ""
                    )
                self._run_step(request, step, [article], **extra)
                return self.response_post_save_change(request, obj)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["workflow_steps"] = []
        if obj is not None:
            # As stored: `obj` may show a draft, or the refused form's text.
            live = Article.objects.get(pk=obj.pk)
            version = live.working_version()
            draft = version if version is not live else None
            context.update(
                workflow_steps=self._available_steps(request, live, version),
                draft=draft,
                version=version,
                draft_changes=revisions.compare(
                    live.signed_content(), draft.signed_content()
                )
                if draft
                else [],
                other_editors=self._note_editor(request, obj),
                autosave=self._autosave_to_offer(request, obj, version),
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def _note_editor(self, request, obj):
        """Note that the user has the article open; return the others who do."""
        key = f"article-editors:{obj.pk}"
        now = timezone.now().timestamp()
        editors = {
            user: seen
            for user, seen in (cache.get(key) or {}).items()
            if now - seen[1] < EDITOR_PRESENCE_SECONDS
        }
        name = request.user.get_full_name() or request.user.get_username()
        editors[request.user.pk] = (name, now)
        cache.set(key, editors, EDITOR_PRESENCE_SECONDS)
        return sorted(
            seen[0] for user, seen in editors.items() if user != request.user.pk
        )

    def _autosave_to_offer(self, request, obj, version):
        autosave = Autosave.objects.filter(article=obj, user=request.user).first()
        if autosave is None:
            return None
        if all(
            autosave.content.get(field, "") == getattr(version, field)
            for field in Autosave.FIELDS
        ):
            return None
        autosave.outdated = autosave.content.get(
            "opened_version", ""
        ) != services.edit_token(version)
        return autosave

    def _available_steps(self, request, live, version):
        if not self.has_change_permission(request, live):
            return []
        user = request.user
        has_draft = version is not live
        status = version.status
        steps = []
        if status == Article.Status.DRAFT or live.is_live and not has_draft:
            # On a live article, the save starts the draft that is sent.
            steps.append(("submit", _("Save and send for review")))
        if user.has_perm("articles.sign_off_article") and live.status != "archived":
            # Also for a live article: a reviewer renews its review date.
            steps.append(("sign_off", _("Save and sign off")))
            if status == Article.Status.IN_REVIEW:
                steps.append(("send_back", _("Send back with notes")))
        if user.has_perm("articles.publish_article"):
            if status in (Article.Status.DRAFT, Article.Status.IN_REVIEW):
                label = _("Publish the changes") if has_draft else _("Save and publish")
                steps.append(("publish", label))
            if live.status == Article.Status.PUBLISHED:
                steps.append(("unpublish", _("Unpublish")))
            if live.status != Article.Status.ARCHIVED:
                steps.append(("archive", _("Archive")))
        if has_draft:
            steps.append(("discard", _("Discard the unpublished changes")))
        return steps

    def _run_step(self, request, step, articles, **extra):
        service, success = WORKFLOW[step]
        done = 0
        for article in articles:
            try:
                service(article=article, user=request.user, **extra)
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, text, messages.ERROR)
                continue
            done += 1
            version = article.working_version()
            if step == "publish" and version.is_scheduled:
                self.message_user(
                    request,
                    _("“%(title)s” is scheduled for %(when)s.")
                    % {
                        "title": version.title,
                        "when": timezone.localtime(version.publish_at).strftime(
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

    # Revisions and autosave -------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/",
                self.admin_site.admin_view(self.restore_view),
                name="articles_article_restore",
            ),
            path(
                "<path:object_id>/autosave/",
                self.admin_site.admin_view(self.autosave_view),
                name="articles_article_autosave",
            ),
            path(
                "choose/images/",
                self.admin_site.admin_view(self.choose_image_view),
                name="articles_article_choose_image",
            ),
            path(
                "choose/articles/",
                self.admin_site.admin_view(self.choose_article_view),
                name="articles_article_choose_article",
            ),
        ]
        return own + super().get_urls()

    #: How many matches a chooser lists; a longer search narrows them.
    CHOOSER_RESULTS = 24

    def choose_image_view(self, request):
        """
        The image library for the editor's "Insert from library" dialog:
        pictures whose title or file name holds `q`, newest first, as JSON.
        """
        if not request.user.has_perm("articles.view_image"):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()[:100]
        images = Image.objects.all()
        if query:
            images = images.filter(Q(title__icontains=query) | Q(file__icontains=query))
        return JsonResponse(
            {
                "results": [
                    {
                        "id": image.pk,
                        "title": str(image),
                        "thumbnail": image.renditions("jpeg")[0][0],
                        "url": image.file.url,
                        "width": image.width,
                        "height": image.height,
                    }
                    for image in images[: self.CHOOSER_RESULTS]
                ]
            }
        )

    def choose_article_view(self, request):
        """
        Published articles for the editor's "Link to an article" dialog:
        those whose title holds `q`, as JSON, each with the address the link
        graph reads as a link to it.
        """
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        query = request.GET.get("q", "").strip()[:100]
        articles = Article.objects.published().only("title", "slug").order_by("title")
        if query:
            articles = articles.filter(title__icontains=query)
        return JsonResponse(
            {
                "results": [
                    {"title": article.title, "url": article.get_absolute_url()}
                    for article in articles[: self.CHOOSER_RESULTS]
                ]
            }
        )

    def _article_for(self, request, object_id):
        """The article, for a page that shows or changes its unpublished
        versions: editors only."""
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404(_("There is no such article."))
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    def history_view(self, request, object_id, extra_context=None):
        article = self._article_for(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "article": article,
            "original": article,
            "title": _("Revisions of “%(title)s”") % {"title": article},
            "versions": revisions.one_per_revision(revisions.history(article)[:400]),
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, self.object_history_template, context)

    def compare_view(self, request, object_id):
        article = self._article_for(request, object_id)
        found = revisions.history(article)
        try:
            old = found.get(pk=int(request.GET.get("version_id1", "")))
            new = found.get(pk=int(request.GET.get("version_id2", "")))
        except (ValueError, LookupError, found.model.DoesNotExist):
            raise Http404(
                _("Choose two revisions of this article to compare.")
            ) from None
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("Compare revisions of “%(title)s”") % {"title": article},
            "old": old,
            "new": new,
            "changes": revisions.compare(
                revisions.revision_content(old), revisions.revision_content(new)
            ),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        article = self._article_for(request, object_id)
        version = get_object_or_404(revisions.history(article), pk=version_id)
        content = revisions.revision_content(version)
        if request.method == "POST":
            services.restore_revision(
                article=article,
                revision_content=content,
                user=request.user,
                when=version.revision.date_created,
            )
            if article.is_live:
                text = _(
                    "The revision of %(when)s is now the unpublished draft. "
                    "Readers still see the published version until a reviewer "
                    "signs the draft off and it is published."
                )
            else:
                text = _(
                    "The revision of %(when)s is now the article's text. It "
                    "needs a medical sign-off before it is published."
                )
            when = timezone.localtime(version.revision.date_created)
            messages.success(request, text % {"when": when.strftime("%Y-%m-%d %H:%M")})
            return redirect("admin:articles_article_change", article.pk)
        current = article.working_version().signed_content()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": _("Restore a revision of “%(title)s”") % {"title": article},
            "version": version,
            "changes": revisions.compare(current, content),
            "live": article.is_live,
        }
        return TemplateResponse(request, "admin/articles/article/restore.html", context)

    def autosave_view(self, request, object_id):
        """Keep the editor's unsaved text; answer who else has it open."""
        article = self._article_for(request, object_id)
        if request.method != "POST":
            return JsonResponse({"error": _("Send the text with POST.")}, status=405)
        content = {field: request.POST.get(field, "") for field in Autosave.FIELDS}
        too_long = [
            str(Article.field_label(field))
            for field, text in content.items()
            if len(text) > AUTOSAVE_MAX_CHARS
        ]
        if too_long:
            return JsonResponse(
                {
                    "error": _(
                        "Your unsaved text was not kept: the %(fields)s is "
                        "longer than %(limit)s characters. Shorten it or save "
                        "the article."
                    )
                    % {
                        "fields": ", ".join(too_long),
                        "limit": f"{AUTOSAVE_MAX_CHARS:,}",
                    }
                },
                status=413,
            )
        # The version the text was written on: a save of the restored text
        # is refused if someone saved the article since.
        content["opened_version"] = request.POST.get("opened_version", "")[:64]
        autosave, _created = Autosave.objects.update_or_create(
            article=article, user=request.user, defaults={"content": content}
        )
        return JsonResponse(
            {
                "saved_at": timezone.localtime(autosave.saved_at).strftime("%H:%M:%S"),
                "others": self._note_editor(request, article),
            }
        )

    @admin.action(
        description=_("Revoke the outside reviewers' preview links"),
        permissions=("change",),
    )
    def revoke_preview_links(self, request, queryset):
        done = services.revoke_preview_links(articles=queryset, user=request.user)
        self.message_user(
            request,
            ngettext(
                "The preview links of %d article no longer open.",
                "The preview links of %d articles no longer open.",
                done,
            )
            % done,
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
        (_("Medical reviews"), {"fields": ("overdue_review",)}),
        (_("Reading level"), {"fields": ("target_grade", "show_reading_level")}),
    )

    def has_add_permission(self, request):
        # One row: added once, and only by someone allowed to add it.
        return (
            super().has_add_permission(request)
            and not SiteConfiguration.objects.exists()
        )

    def has_delete_permission(self, request, obj=None):
        return False


# The standard pages (django.contrib.flatpages) ------------------------------


class FlatPageForm(flatpage_admin.FlatpageForm):
    """A standard page (privacy, contact…): rich text in the article editor,
    sanitized on save like an article's body."""

    template_name = forms.ChoiceField(
        label=_("layout"),
        required=False,
        choices=(
            ("", _("A standard page")),
            ("flatpages/privacy.html", _("The privacy page, with “Your data”")),
        ),
    )

    class Meta(flatpage_admin.FlatpageForm.Meta):
        widgets = {"content": CKEditor5Widget(config_name="default")}

    def clean_title(self):
        return strip_tags(self.cleaned_data["title"]).strip()

    def clean_content(self):
        return sanitize_html(self.cleaned_data["content"])


admin.site.unregister(FlatPage)


@admin.register(FlatPage)
class FlatPageAdmin(PublicContentAdmin, flatpage_admin.FlatPageAdmin):
    form = FlatPageForm
    list_display = ("url", "title")
    search_fields = ("url", "title", "content")
    fieldsets = (
        (None, {"fields": ("url", "title", "content", "sites")}),
        (
            _("Advanced options"),
            {"classes": ("collapse",), "fields": ("template_name",)},
        ),
    )
