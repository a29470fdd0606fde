import importlib
import io
from datetime import timedelta

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage, ImageDraw

from articles import demo_content
from articles.hub.models import Backlink, LinkCheck
from articles.hub.services.links import sync_article_links
from articles.images import clean_image
from articles.models import (
    Article,
    Category,
    Image,
    Person,
    Tag,
)
from articles.services import (
    create_article,
    record_publication,
    record_sign_off,
    record_submission,
    record_withdrawal,
    send_back,
)
from clinic.pagecache import invalidate_after_commit
from clinic.roles import ROLE_GROUPS, sync_roles
from comments.models import Comment, Flag

#: (username, role, password, full name). Local demo only: the passwords are
#: printed by `make run` and must never be used on a public server.
DEMO_ACCOUNTS = [
    ("admin", "admin", "demo-admin-pass", "Avery Admin"),
    ("editor", "editor", "demo-editor-pass", "Elena Marsh"),
    ("reviewer", "reviewer", "demo-reviewer-pass", "Rafael Reyes"),
    ("moderator", "moderator", "demo-moderator-pass", "Morgan Moderator"),
]


def existing_content():
    """
    Return what content the site holds, as "3 articles, 2 categories" (an
    empty string when it has none): the demo loads only into an empty site.
    """
    counts = {
        "articles": Article.objects.count(),
        "categories": Category.objects.count(),
        "tags": Tag.objects.count(),
        "people": Person.objects.count(),
        "images": Image.objects.count(),
    }
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count)


class Command(BaseCommand):
    help = (
        "Load the demo accounts and, into a site without content, the demo "
        "content (local development only: the accounts' passwords are "
        "public). Run again, it resets the accounts and leaves the content "
        "as editors left it; --reset deletes all content and loads the demo "
        "again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off. Never on a server others can reach.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "Delete every article, comment, backlink, category, tag, "
                "person, image and redirect first, then load the demo content."
            ),
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="With --reset, do not ask for confirmation.",
        )

    @transaction.atomic
    def handle(self, *args, force, reset=False, interactive=True, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "The demo creates accounts whose passwords are published, so it "
                "loads only with DJANGO_DEBUG=1 (local development). Pass "
                "--force to load it anyway, never on a server others can reach."
            )
        sync_roles(django_apps)  # Recreates a role group deleted by hand.
        # Links in emails and the sitemap name the local server, not the
        # placeholder domain Django starts with.
        Site.objects.filter(pk=settings.SITE_ID, domain="example.com").update(
            domain="127.0.0.1:8000", name=settings.CLINIC_NAME
        )
        users = self.load_accounts()
        if reset:
            if (
                interactive
                and input(
                    "This deletes every article, comment, backlink, category, tag, "
                    "person, image and redirect of this site. Type 'yes' to go on: "
                )
                != "yes"
            ):
                raise CommandError("Nothing was deleted.")
            self.stdout.write(f"Deleted: {self.delete_content()}.")
            invalidate_after_commit()
        if found := existing_content():
            # Whatever editors renamed, changed or deleted stays as they left it.
            self.stdout.write(
                f"The site already has content ({found}): the demo content "
                "was not loaded. To replace everything with the demo, run "
                "`manage.py load_demo --reset`."
            )
        else:
            people = self.load_people(users)
            created = self.load_articles(people)
            comments = self.load_comments(users["reviewer"])
            self.load_backlinks()
            self.load_contact_page()
            self.stdout.write(
                f"Demo content loaded: {created} article(s), {comments} comment(s)."
            )
        self.stdout.write("Demo accounts (log in at http://127.0.0.1:8000/admin/):")
        for username, role, password, _name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<10} {username:<10} password: {password}")

    def delete_content(self):
        """Delete the site's content; return what went, for the output."""
        from django.contrib.redirects.models import Redirect

        def delete(queryset):
            return queryset.delete()[1].get(queryset.model._meta.label, 0)

        deleted = {
            "comments": delete(Comment.objects.all()),
            "backlinks": delete(Backlink.objects.all()),
            "articles": delete(Article.objects.all()),
        }
        # A parent category is protected while it has children: leaves first.
        deleted["categories"] = 0
        while Category.objects.exists():
            leaves = Category.objects.filter(children__isnull=True)
            deleted["categories"] += delete(leaves)
        deleted["tags"] = delete(Tag.objects.all())
        deleted["people"] = delete(Person.objects.all())
        deleted["images"] = delete(Image.objects.all())
        deleted["redirects"] = delete(Redirect.objects.all())
        deleted["checked outside links"] = delete(LinkCheck.objects.all())
        return ", ".join(f"{count} {name}" for name, count in deleted.items())

    def load_contact_page(self):
        """
        Give the standard contact page the demo clinic's details, unless an
        editor has written it since: what they wrote stays.
        """
        standard = importlib.import_module("clinic.migrations.0001_standard_pages")
        first_text = next(
            p["content"] for p in standard.PAGES if p["url"] == "/contact/"
        )
        page, created = FlatPage.objects.get_or_create(
            url="/contact/",
            defaults={"title": "Contact us", "content": demo_content.CONTACT_PAGE},
        )
        if not created and page.content == first_text:
            page.content = demo_content.CONTACT_PAGE
            page.save(update_fields=["content"])
        page.sites.add(settings.SITE_ID)

    def load_accounts(self):
        """Create or reset the demo accounts; return them by username."""
        User = get_user_model()
        users = {}
        for username, role, password, name in DEMO_ACCOUNTS:
            first, _, last = name.rpartition(" ")
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@clinic.example"
            user.is_staff = True
            user.is_superuser = role == "admin"
            user.set_password(password)
            user.save()
            if group_name := ROLE_GROUPS[role]:
                user.groups.set([Group.objects.get(name=group_name)])
            users[username] = user
        return users

    def load_people(self, users):
        people = {}
        for slug, name, credentials, bio, username in demo_content.PEOPLE:
            person, _ = Person.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "credentials": credentials,
                    "bio": bio,
                    "user": users.get(username),
                },
            )
            people[slug] = person
        return people

    def load_articles(self, people):
        """Create the demo articles that do not exist yet; return how many."""
        categories = {}
        for slug, name, parent, description in demo_content.CATEGORIES:
            categories[slug], _ = Category.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "parent": categories.get(parent),
                    "description": description,
                    "position": len(categories),
                },
            )
        reviewer = people["dr-rafael-reyes"]
        created = 0
        now = timezone.now()
        for spec in demo_content.ARTICLES:
            if Article.objects.filter(slug=spec["slug"]).exists():
                continue
            article = Article(
                slug=spec["slug"],
                title=spec["title"],
                summary=spec.get("summary", ""),
                body=spec["body"],
                category=categories[spec["category"]],
                author=people[spec["author"]],
                is_featured=spec.get("featured", False),
                explain_terms=spec.get("explain_terms", False),
            )
            if "image" in spec:
                label, color = spec["image"]
                article.featured_image = make_image(label, color)
                article.featured_image_alt = spec["alt"]
                article.featured_image_is_decorative = spec.get("decorative", False)
            if spec["state"] == "scheduled":
                article.publish_at = now + timedelta(days=3)
            create_article(
                article=article,
                references=spec.get("references", []),
                comment="Demo content",
            )
            article.tags.set(
                Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[
                    0
                ]
                for name in spec["tags"]
            )
            self.apply_state(article, spec, reviewer, now)
            created += 1
        # Demo articles link to each other: read the links once all exist.
        for article in Article.objects.all():
            sync_article_links(article=article)
        return created

    def load_backlinks(self):
        """Add the demo backlinks (without fetching anything)."""
        now = timezone.now()
        for url, slug, status, approved, text in demo_content.BACKLINKS:
            article = Article.objects.filter(slug=slug).first()
            if article is None:
                continue
            seen = now - timedelta(days=20) if status in ("verified", "lost") else None
            Backlink.objects.get_or_create(
                source_url=url,
                target_article=article,
                defaults={
                    "status": status,
                    "is_approved": approved,
                    "anchor_text": text,
                    "first_seen_at": seen,
                    "last_seen_at": seen,
                    "check_note": "demo data: not fetched",
                },
            )

    def load_comments(self, staff):
        """Add the demo comments to articles that have none; return how many."""
        created, made = 0, {}
        for slug, specs in demo_content.COMMENTS.items():
            article = Article.objects.filter(slug=slug).first()
            if article is None or article.comments.exists():
                continue
            for key, parent_key, name, email, body, status, reasons in specs:
                comment = Comment(
                    article=article,
                    author_name=name,
                    author_email=email,
                    body=body,
                    status=status,
                    status_reasons=reasons,
                )
                if parent_key and parent_key.startswith("staff:"):
                    comment.parent = made[(slug, parent_key.removeprefix("staff:"))]
                    comment.user = staff
                    comment.author_name = staff.person.name
                    comment.staff_credentials = staff.person.credentials
                    comment.author_email = staff.email
                elif parent_key:
                    comment.parent = made[(slug, parent_key)]
                comment.save()
                made[(slug, key)] = comment
                created += 1
        for slug, key, reason in demo_content.REPORTS:
            if (slug, key) in made:
                Flag.objects.create(
                    comment=made[(slug, key)], reporter="demo-reader", reason=reason
                )
        return created

    def apply_state(self, article, spec, reviewer, now):
        """Walk the article through the workflow to its demo state."""
        state = spec["state"]
        published_at = now - timedelta(days=spec.get("days_ago", 0))
        if state == "draft":
            return
        record_submission(article=article)
        if state == "in_review":
            return
        if state == "sent_back":
            send_back(article=article, user=reviewer.user, notes=spec["review_notes"])
            return
        signed_on = now.date() if state == "scheduled" else published_at.date()
        record_sign_off(
            article=article,
            reviewer=reviewer,
            on=signed_on,
            reading_reason=spec.get("reading_reason", ""),
        )
        if state in ("published", "overdue", "archived"):
            record_publication(article=article, at=published_at)
        if state == "archived":
            record_withdrawal(article=article, status=Article.Status.ARCHIVED)


def make_image(label, color):
    """Draw an abstract stack of vertebrae and store it as an Image."""
    width, height = 1200, 675
    picture = PILImage.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        shade = int(40 * y / height)
        draw.line([(0, y), (width, y)], fill=tuple(max(0, c - shade) for c in color))
    light = tuple(min(255, c + 110) for c in color)
    for index in range(6):
        top = 68 + index * 94
        squash = 30 if index == 3 else 0
        draw.rounded_rectangle(
            [480, top + squash, 720, top + 71], radius=21, fill=light
        )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    upload = ContentFile(out.getvalue(), name=f"{slugify(label)}.jpg")
    image = Image(title=f"{label} illustration")
    cleaned = clean_image(upload)
    image.file.save(cleaned.name, cleaned)
    return image
