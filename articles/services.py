"""
Writes to articles that have rules or side effects: the review workflow,
publication, and redirects. Views, admin actions and commands call these.
"""

import secrets
from datetime import date, datetime

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.redirects.models import Redirect
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from articles.hub.services.links import sync_article_links
from clinic.addresses import site_url
from clinic.logs import queue
from clinic.pagecache import invalidate_after_commit
from clinic.roles import REVIEWERS
from clinic.tasks import send_email

from .models import (
    Article,
    ArticleContent,
    ArticleDraft,
    Person,
    Reference,
    SearchWord,
    SiteConfiguration,
    clean_reference,
)

#: Kept with a sign-off above the target reading grade that an import's
#: reviewer vouched for (`--reviewed-by`).
IMPORT_READING_REASON = _("Vouched for at import by the reviewer named for it.")


def _reading_reason(version, reason, *, target=None) -> str:
    """`reason` when the version reads above the target grade, else ""."""
    if target is None:
        target = SiteConfiguration.load().target_grade
    return reason.strip() if version.above_target_grade(target) else ""


class StaleEdit(ValidationError):
    """Someone changed the version after the editor opened it."""


def edit_token(version) -> str:
    """
    Return what identifies the state of `version` an editor opened: it
    changes whenever its content is saved.
    """
    changed = version.content_changed_at
    return changed.isoformat() if changed else ""


def stale_edit_message(version) -> str:
    """Say who changed `version`, what and when, for a refused save."""
    who = version.content_changed_by
    fields = [_label(field) for field in version.content_changed_fields]
    return _(
        "%(who)s changed %(what)s at %(when)s, after you opened this page. "
        "Your text is still in the form: copy what you need, reload the page "
        "to see their version, and add your changes to it."
    ) % {
        "who": (who.get_full_name() or who.get_username()) if who else _("Someone"),
        "what": ", ".join(fields) or _("this article"),
        "when": timezone.localtime(version.content_changed_at).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
    }


def _label(field):
    """Name a changed field in a sentence: "the title"."""
    return _("the %(field)s") % {"field": Article.field_label(field)}


def _revision(objects, *, user, comment):
    with reversion.create_revision():
        for obj in objects:
            reversion.add_to_revision(obj)
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)


def _save_with_revision(version, *, user, comment, fields):
    version.save(update_fields=[*fields, *_touched(version)])
    _revision([version], user=user, comment=comment)
    invalidate_after_commit()


def _touched(version):
    return ["updated_at"] if isinstance(version, Article) else []


def _replace_references(article: Article, references: list[dict]) -> None:
    article.references.all().delete()
    Reference.objects.bulk_create(
        Reference(article=article, position=index, **clean_reference(data))
        for index, data in enumerate(references)
    )


def _require(user, perm, message):
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_sign_off(version):
    if not version.has_current_sign_off:
        raise ValidationError(
            _(
                "“%(title)s” has no current medical sign-off. A medical "
                "reviewer must sign off this version before it is published."
            )
            % {"title": version.title},
            code="not_signed_off",
        )


# The writers below are the only code that changes an article's content,
# workflow state, sign-off or publication. They check no permission: the
# services after them do, for people in the admin; commands (imports, the
# demo) run as the site's operator and call the writers directly.


def check_import_reviewer(person: Person) -> Person:
    """
    Return `person` when an import may record their sign-off: they are
    linked to an active account that may sign off articles. Refuse with a
    ValidationError that says what is missing otherwise.
    """
    user = person.user
    if user is None:
        raise ValidationError(
            _(
                "%(name)s has no user account, so they cannot sign off "
                "articles. Link their account under People first."
            )
            % {"name": person.name},
            code="reviewer_without_account",
        )
    if not user.is_active or not user.has_perm("articles.sign_off_article"):
        raise ValidationError(
            _(
                "%(name)s's account may not sign off articles. Give it the "
                "medical reviewer role first."
            )
            % {"name": person.name},
            code="reviewer_without_permission",
        )
    return person


@transaction.atomic
def create_article(
    *, article: Article, references: list[dict] = (), user=None, comment: str = ""
) -> Article:
    """
    Save a new article (a draft unless its status says otherwise) with its
    references and a first revision; return it.
    """
    article.content_changed_by = user if user and user.is_authenticated else None
    article.content_changed_at = timezone.now()
    article.content_changed_fields = []
    article.save()
    _replace_references(article, list(references))
    _revision([article], user=user, comment=comment or _("Created"))
    invalidate_after_commit()
    return article


@transaction.atomic
def create_articles(
    *,
    articles: list[Article],
    references: list[list[dict]] = (),
    tags: list[list] = (),
    comment: str = "",
    signed_off_by: Person | None = None,
) -> list[Article]:
    """
    Save many new articles at once, each as create_article() saves one:
    canonical body and derived columns, its references (`references[i]`
    for `articles[i]`), its tags (`tags[i]`) and a first revision. With
    `signed_off_by`, each article carries that reviewer's sign-off of its
    content, dated today (as record_sign_off() records one). A few queries
    for any number of articles. For bulk loads and imports.
    """
    now = timezone.now()
    target = SiteConfiguration.load().target_grade
    for article in articles:
        article.derive_content()
        article.content_changed_at = now
        if signed_off_by is not None:
            _sign(
                article,
                signed_off_by,
                on=timezone.localdate(),
                reading_reason=_reading_reason(
                    article, IMPORT_READING_REASON, target=target
                ),
            )
        article.derive_review_date()
    Article.objects.bulk_create(articles, batch_size=500)
    Reference.objects.bulk_create(
        (
            Reference(article=article, position=index, **clean_reference(data))
            for article, rows in zip(articles, references, strict=False)
            for index, data in enumerate(rows)
        ),
        batch_size=2000,
    )
    Article.tags.through.objects.bulk_create(
        (
            Article.tags.through(article_id=article.pk, tag_id=tag_id)
            for article, chosen in zip(articles, tags, strict=False)
            for tag_id in dict.fromkeys(tag.pk for tag in chosen)
        ),
        batch_size=2000,
    )
    SearchWord.record(
        text
        for a in articles
        if a.status == Article.Status.PUBLISHED
        for text in (a.title, a.summary, a.body_text)
    )
    saved = Article.objects.filter(pk__in=[a.pk for a in articles])
    if connection.vendor == "postgresql":
        saved.update(**Article.SEARCH_VECTORS)
    # Each revision holds the article's references and tags: read them in bulk.
    _revision(
        saved.prefetch_related("references", "tags"),
        user=None,
        comment=comment or _("Created"),
    )
    invalidate_after_commit()
    return articles


@transaction.atomic
def save_version(
    *,
    article: Article,
    content: dict,
    references: list[dict] | None = None,
    navigation: dict | None = None,
    user=None,
    opened: str | None = None,
    comment: str = "",
) -> Article:
    """
    Save an editor's work on `article` and return the version written.

    `content` holds signed fields (Article.SIGNED_FIELDS), `references` the
    reference list (None: unchanged), `navigation` the fields that go live
    at once (Article.NAVIGATION_FIELDS, with "publish_at"). A live article
    keeps serving readers its signed-off content: the content goes to its
    draft. When `opened` (an edit_token()) is given and someone saved the
    version since, the save is refused with StaleEdit.
    """
    live = Article.objects.select_for_update().get(pk=article.pk)
    version = live.working_version()
    if opened is not None and opened != edit_token(version):
        raise StaleEdit(stale_edit_message(version), code="stale")
    navigation = dict(navigation or {})
    new_draft = live.is_live and version is live
    if new_draft:
        version = ArticleDraft(
            article=live,
            references=live.reference_list(),
            **{field: getattr(live, field) for field in Article.VERSION_FIELDS},
        )
    before = version.signed_content()
    for field, value in content.items():
        setattr(version, field, value)
    version.canonicalize()
    if references is not None:
        references = [clean_reference(r) for r in references]
        if isinstance(version, ArticleDraft):
            version.references = references
    after = version.signed_content()
    if references is not None:
        after["references"] = references
    changed = [key for key in after if after[key] != before.get(key)]
    publish_at = navigation.pop("publish_at", version.publish_at)
    if new_draft and publish_at is not None and publish_at <= timezone.now():
        # The live article's past time, posted back: history, not a schedule.
        publish_at = None
    scheduled = publish_at != version.publish_at
    version.publish_at = publish_at
    navigation = {
        field: value
        for field, value in navigation.items()
        if getattr(live, field) != value
    }
    for field, value in navigation.items():
        setattr(live, field, value)

    if new_draft and not changed and not scheduled:
        # Navigation only: it goes live at once, and no draft is started.
        live.save(update_fields=[*navigation, "updated_at"])
        _revision([live], user=user, comment=comment or _("Changed the filing"))
        invalidate_after_commit()
        return live
    if changed or version.content_changed_at is None:
        version.content_changed_by = user if user and user.is_authenticated else None
        version.content_changed_at = timezone.now()
        version.content_changed_fields = changed
    if isinstance(version, Article) and "references" in changed:
        _replace_references(version, references)
    version.save()  # Voids the sign-off if the content no longer matches it.
    if version is live:
        sync_article_links(article=live)
    else:
        live.save(update_fields=[*navigation, "updated_at"])
        # The caller's instance sees the draft from now on.
        Article.draft.related.set_cached_value(article, version)
    _revision(
        [version] if version is live or not navigation else [version, live],
        user=user,
        comment=comment or _describe_change(changed, draft=version is not live),
    )
    invalidate_after_commit()
    return version


def _describe_change(changed, *, draft):
    if not changed:
        return _("Saved without content changes")
    what = ", ".join(_label(field) for field in changed)
    if draft:
        return _("Changed %(what)s (unpublished changes)") % {"what": what}
    return _("Changed %(what)s") % {"what": what}


def _forget_draft(article: Article) -> None:
    """Note on this instance that the article has no draft any more."""
    Article.draft.related.set_cached_value(article, None)


def _apply_draft(article: Article, draft: ArticleDraft) -> None:
    """Copy the draft's content and sign-off into the article; delete it."""
    for field in (
        *Article.VERSION_FIELDS,
        "review_notes",
        "content_changed_by",
        "content_changed_at",
        "content_changed_fields",
    ):
        setattr(article, field, getattr(draft, field))
    _replace_references(article, draft.references)
    draft.delete()


@transaction.atomic
def record_submission(*, article: Article, user=None) -> Article:
    """Move the working version to review, with a revision; return it."""
    version = article.working_version()
    if version is article and article.is_live:
        raise ValidationError(
            _("“%(title)s” has no unpublished changes to send for review.")
            % {"title": article},
            code="no_changes",
        )
    if version.status != Article.Status.DRAFT:
        raise ValidationError(
            _("Only drafts can be sent for review; “%(title)s” is %(status)s.")
            % {"title": version.title, "status": version.get_status_display().lower()},
            code="not_draft",
        )
    version.status = Article.Status.IN_REVIEW
    version.review_notes = ""
    _save_with_revision(
        version,
        user=user,
        comment=_("Submitted for review"),
        fields=["status", "review_notes"],
    )
    return version


def _sign(version, reviewer: Person, *, on: date, reading_reason: str = "") -> None:
    """Put `reviewer`'s sign-off of the version's content on it (unsaved)."""
    version.reading_reason = reading_reason
    version.reviewed_by = reviewer
    version.reviewer_name = reviewer.name
    version.reviewer_credentials = reviewer.credentials
    version.reviewed_own_edit = False
    version.last_reviewed = on
    version.review_fingerprint = version.fingerprint()
    version.review_notes = ""


@transaction.atomic
def record_sign_off(
    *,
    article: Article,
    reviewer: Person,
    user=None,
    on: date | None = None,
    reading_reason: str = "",
):
    """
    Record `reviewer`'s medical sign-off of the working version's content,
    dated `on` (today by default), with the reviewer's name and credentials
    as they are now, and why it may read above the target grade (kept only
    when it does); return the version signed.
    """
    if article.status == Article.Status.ARCHIVED:
        raise ValidationError(_("Archived articles are not reviewed."), code="archived")
    version = article.working_version()
    _sign(
        version,
        reviewer,
        on=on or timezone.localdate(),
        reading_reason=_reading_reason(version, reading_reason),
    )
    version.reviewed_own_edit = bool(
        user is not None and version.content_changed_by_id == user.pk
    )
    comment = _("Medical sign-off")
    if version.reviewed_own_edit:
        comment = _("Medical sign-off by the version's own editor (four-eyes rule off)")
    if version.reading_reason:
        comment = _("%(comment)s, above the target reading grade: %(reason)s") % {
            "comment": comment,
            "reason": version.reading_reason,
        }
    _save_with_revision(
        version,
        user=user,
        comment=comment,
        fields=[
            *ArticleContent.SIGN_OFF_FIELDS,
            "review_notes",
        ],
    )
    return version


@transaction.atomic
def record_publication(
    *, article: Article, at: datetime | None = None, user=None, comment: str = ""
) -> Article:
    """
    Publish the working version dated `at` (now by default), with a
    revision; return the article. A live article's draft replaces its
    content and sets "last updated"; the first publication date is set
    once and never changed. Refused without a current medical sign-off.
    """
    version = article.working_version()
    _require_sign_off(version)
    at = at or timezone.now()
    if isinstance(version, ArticleDraft):
        _apply_draft(article, version)
        _forget_draft(article)
        article.publish_at = None
        comment = comment or _("Published a new version")
    article.status = Article.Status.PUBLISHED
    article.publish_at = None  # Done: nothing left scheduled.
    if article.published_at is None:
        article.published_at = at
    article.revised_at = at
    article.save()
    _revision([article], user=user, comment=comment or _("Published"))
    sync_article_links(article=article)
    invalidate_after_commit()
    return article


@transaction.atomic
def record_withdrawal(
    *, article: Article, status: str, user=None, comment: str = ""
) -> Article:
    """
    Take the article off the site: back to draft, or archived (kept for the
    record, answered 410). Unpublished changes become the article's
    content, still unpublished. Return it.
    """
    version = article.working_version()
    if isinstance(version, ArticleDraft):
        _apply_draft(article, version)
        _forget_draft(article)
    article.status = status
    article.publish_at = None
    article.unpublish_at = None
    article.save()
    _revision([article], user=user, comment=comment or Article.Status(status).label)
    invalidate_after_commit()
    return article


@transaction.atomic
def discard_draft(*, article: Article, user) -> Article:
    """Throw away a live article's unpublished changes; return the article."""
    _require(user, "articles.change_article", _("You may not edit articles."))
    version = article.working_version()
    if not isinstance(version, ArticleDraft):
        raise ValidationError(
            _("“%(title)s” has no unpublished changes.") % {"title": article},
            code="no_draft",
        )
    version.delete()
    _forget_draft(article)
    _revision([article], user=user, comment=_("Discarded the unpublished changes"))
    return article


@transaction.atomic
def restore_revision(
    *, article: Article, revision_content: dict, user, when
) -> Article:
    """
    Make an earlier revision's content the working version: the draft of a
    live article (readers keep the live version), else the article itself.
    """
    _require(user, "articles.change_article", _("You may not edit articles."))
    content = {
        # A revision holds the image's id.
        "featured_image_id" if field == "featured_image" else field: value
        for field, value in revision_content.items()
        if field in ArticleContent.SIGNED_FIELDS
    }
    return save_version(
        article=article,
        content=content,
        references=revision_content.get("references"),
        user=user,
        comment=_("Restored the version of %(when)s")
        % {"when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")},
    )


@transaction.atomic
def submit_for_review(*, article: Article, user) -> Article:
    """
    Move the working version to review and email the medical reviewers;
    return it.
    """
    _require(user, "articles.change_article", _("You may not edit articles."))
    record_submission(article=article, user=user)
    recipients = list(
        get_user_model()
        .objects.filter(groups__name=REVIEWERS, is_active=True)
        .exclude(pk=user.pk)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        url = site_url(reverse("admin:articles_article_change", args=[article.pk]))
        _email_after_commit(
            subject=_("Ready for medical review: %(title)s") % {"title": article.title},
            body=_("%(user)s sent “%(title)s” for review.\n\nReview it: %(url)s")
            % {"user": user.get_full_name() or user, "title": article, "url": url},
            recipients=recipients,
        )
    return article


def _email_after_commit(**message):
    transaction.on_commit(lambda: queue(send_email, **message))


def _email_editor(article, version, *, reviewer, subject, body, **words):
    """
    After commit, email the editor who last changed `version` what the
    reviewer did: `subject` and `body` name %(title)s, %(user)s and %(url)s
    (and `words`). Nobody is emailed about their own act, nor once gone.
    """
    editor = version.content_changed_by
    if (
        editor is None
        or not editor.is_active
        or not editor.email
        or editor.pk == reviewer.pk
    ):
        return
    words = {
        "user": reviewer.get_full_name() or reviewer,
        "title": version.title,
        "url": site_url(reverse("admin:articles_article_change", args=[article.pk])),
        **words,
    }
    _email_after_commit(
        subject=subject % words, body=body % words, recipients=[editor.email]
    )


@transaction.atomic
def sign_off_article(*, article: Article, user, reading_reason: str = "") -> Article:
    """
    Record the user's medical sign-off of the working version (reviewer and
    today's date); return the article. Under the four-eyes rule
    (CLINIC_REVIEW_FOUR_EYES) the person who last changed the content may
    not sign it off. A version that reads above the clinic's target grade
    is only signed off with the reviewer's reason, kept with the sign-off.
    """
    _require(
        user,
        "articles.sign_off_article",
        _("Only medical reviewers can sign off articles."),
    )
    try:
        person = user.person
    except Person.DoesNotExist:
        raise ValidationError(
            _(
                "Your account is not linked to a person profile, so readers "
                "could not see who reviewed the article. Ask an administrator "
                "to link one under People."
            ),
            code="no_person",
        ) from None
    version = article.working_version()
    if settings.CLINIC_REVIEW_FOUR_EYES and version.content_changed_by_id == user.pk:
        raise ValidationError(
            _(
                "You made the last change to “%(title)s”, so another medical "
                "reviewer must sign it off."
            )
            % {"title": version.title},
            code="four_eyes",
        )
    target = SiteConfiguration.load().target_grade
    if version.above_target_grade(target) and not reading_reason.strip():
        raise ValidationError(
            _(
                "“%(title)s” reads at grade %(grade)s, above the clinic's "
                "target of %(target)s. Make it plainer, or give your reason "
                "for signing it off as it is."
            )
            % {
                "title": version.title,
                "grade": version.reading_grade,
                "target": target,
            },
            code="above_target_grade",
        )
    record_sign_off(
        article=article, reviewer=person, user=user, reading_reason=reading_reason
    )
    _email_editor(
        article,
        version,
        reviewer=user,
        subject=_("Signed off: %(title)s"),
        body=_(
            "%(user)s signed off “%(title)s”. It can be published now, "
            "or goes out at its scheduled time.\n\nOpen it: %(url)s"
        ),
    )
    return article


@transaction.atomic
def send_back(*, article: Article, user, notes: str) -> Article:
    """
    Return the working version to its editor with the reviewer's notes:
    it becomes a draft again, and the editor is emailed. Return the article.
    """
    _require(
        user,
        "articles.sign_off_article",
        _("Only medical reviewers can send articles back."),
    )
    notes = notes.strip()
    if not notes:
        raise ValidationError(
            _("Write what the editor should change before sending it back."),
            code="no_notes",
        )
    version = article.working_version()
    if version.status != Article.Status.IN_REVIEW:
        raise ValidationError(
            _("Only a version in review can be sent back."), code="not_in_review"
        )
    version.status = Article.Status.DRAFT
    version.review_notes = notes
    version.void_sign_off()
    _save_with_revision(
        version,
        user=user,
        comment=_("Sent back: %(notes)s") % {"notes": notes},
        fields=[
            "status",
            "review_notes",
            *ArticleContent.SIGN_OFF_FIELDS,
        ],
    )
    _email_editor(
        article,
        version,
        reviewer=user,
        subject=_("Sent back with notes: %(title)s"),
        body=_(
            "%(user)s sent “%(title)s” back to you:\n\n%(notes)s\n\nOpen it: %(url)s"
        ),
        notes=notes,
    )
    return article


@transaction.atomic
def publish_article(*, article: Article, user, now: datetime | None = None) -> Article:
    """
    Publish the working version now, or leave it scheduled when its
    `publish_at` is in the future. Refused without a current medical
    sign-off. Return the article.
    """
    _require(user, "articles.publish_article", _("You may not publish articles."))
    version = article.working_version()
    now = now or timezone.now()
    if version is article and article.status == Article.Status.PUBLISHED:
        raise ValidationError(
            _("“%(title)s” is already published and has no unpublished changes.")
            % {"title": article},
            code="nothing_to_publish",
        )
    _require_sign_off(version)
    if version.publish_at and version.publish_at > now:
        return article  # Scheduled: publish_due_articles() publishes it.
    return record_publication(article=article, at=now, user=user)


@transaction.atomic
def publish_due_articles(*, now: datetime | None = None) -> int:
    """
    Publish every signed-off article or new version whose `publish_at` has
    come, dated at its `publish_at`, and take off the site the articles
    whose `unpublish_at` has come. Return how many articles changed.
    """
    now = now or timezone.now()
    count = 0
    for article in Article.objects.due_for_publication().select_for_update():
        if article.publish_at > now or not article.has_current_sign_off:
            continue
        record_publication(
            article=article, at=article.publish_at, comment=_("Published on schedule")
        )
        count += 1
    drafts = ArticleDraft.objects.filter(publish_at__lte=timezone.now())
    for draft in drafts.select_related("article").select_for_update():
        if draft.publish_at > now or not draft.has_current_sign_off:
            continue
        record_publication(
            article=draft.article,
            at=draft.publish_at,
            comment=_("Published a new version on schedule"),
        )
        count += 1
    for article in Article.objects.due_for_withdrawal().select_for_update():
        record_withdrawal(
            article=article,
            status=Article.Status.DRAFT,
            comment=_("Unpublished on schedule"),
        )
        count += 1
    return count


@task()
def publish_scheduled(request_id: str = "") -> int:
    """Publish what is due and unpublish what expired; return how many."""
    return publish_due_articles()


@transaction.atomic
def unpublish_article(*, article: Article, user) -> Article:
    """Take the article off the site, back to draft; return it."""
    _require(user, "articles.publish_article", _("You may not unpublish articles."))
    return record_withdrawal(
        article=article,
        status=Article.Status.DRAFT,
        user=user,
        comment=_("Unpublished"),
    )


@transaction.atomic
def archive_article(*, article: Article, user) -> Article:
    """Archive the article: off the site, kept for the record; return it."""
    _require(user, "articles.publish_article", _("You may not archive articles."))
    return record_withdrawal(
        article=article,
        status=Article.Status.ARCHIVED,
        user=user,
        comment=_("Archived"),
    )


@transaction.atomic
def revoke_preview_links(*, articles, user) -> int:
    """Make every outside reviewer's preview link of `articles` stop
    opening; return how many articles."""
    _require(user, "articles.change_article", _("You may not edit articles."))
    done = 0
    for article in articles:
        article.preview_key = secrets.token_hex(16)
        article.save(update_fields=["preview_key"])
        done += 1
    return done


def record_slug_change(*, article: Article, old_path: str) -> Redirect | None:
    """
    Keep `old_path` working after an article's address changed: add a 301
    from it, point older redirects straight at the new address, and drop a
    redirect from the new address (so changing back makes no loop). Return
    the new redirect, or None when the address did not change.
    """
    new_path = article.get_absolute_url()
    if old_path == new_path:
        return None
    site = Site.objects.get_current()
    Redirect.objects.filter(site=site, old_path=new_path).delete()
    Redirect.objects.filter(site=site, new_path=old_path).update(new_path=new_path)
    redirect, _ = Redirect.objects.update_or_create(
        site=site, old_path=old_path, defaults={"new_path": new_path}
    )
    invalidate_after_commit()
    return redirect
