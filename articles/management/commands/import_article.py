from pathlib import Path

import markdown
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.hub.services.links import sync_article_links
from articles.models import Article, Category, Person
from articles.richtext import sanitize_html
from articles.services import (
    IMPORT_READING_REASON,
    check_import_reviewer,
    create_article,
    record_publication,
    record_sign_off,
)

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}


class Command(BaseCommand):
    help = "Create an article from an HTML or Markdown file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--title", help="Use this title, not the first heading.")
        parser.add_argument(
            "--category",
            help="Category slug (default: a category named Imported).",
        )
        parser.add_argument("--author", help="Slug of the author (a person).")
        parser.add_argument("--status", choices=("draft", "published"), default="draft")
        parser.add_argument(
            "--reviewed-by",
            help="Slug of the person who medically reviewed the text; "
            "needed with --status published.",
        )

    def handle(self, *args, file, title, category, author, status, **options):
        reviewed_by = options["reviewed_by"]
        if status == "published" and not reviewed_by:
            raise CommandError(
                "Publishing needs a medical sign-off: pass --reviewed-by "
                "PERSON_SLUG naming the reviewer who checked this text."
            )
        html = self.read(file)
        heading_title, body = split_title(html)
        title = (title or heading_title or "").strip()
        if not title:
            raise CommandError(
                f"{file} has no heading to take the title from; pass --title."
            )
        body = sanitize_html(body)
        if not BeautifulSoup(body, "html.parser").get_text().strip():
            raise CommandError(f"{file} has no content besides its title.")
        reviewer = None
        if status == "published":
            reviewer = self.person(reviewed_by, "--reviewed-by")
            try:
                check_import_reviewer(reviewer)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            article = create_article(
                article=Article(
                    title=title,
                    slug=Article.objects.free_slug(title),
                    body=body,
                    category=self.category(category),
                    author=self.person(author, "--author") if author else None,
                ),
                comment=f"Imported from {file.name}",
            )
            sync_article_links(article=article)
            if reviewer is not None:
                record_sign_off(
                    article=article,
                    reviewer=reviewer,
                    reading_reason=IMPORT_READING_REASON,
                )
                record_publication(article=article)
        self.stdout.write(
            f"Created {article.get_status_display().lower()} article "
            f"“{article.title}” at {article.get_absolute_url()}"
        )

    def read(self, file):
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"No file at {file}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        if not text.strip():
            raise CommandError(f"{file} is empty.")
        if file.suffix.lower() in MARKDOWN_SUFFIXES:
            return markdown.markdown(text, extensions=["tables", "sane_lists"])
        return text

    def category(self, slug):
        if slug is None:
            category, _ = Category.objects.get_or_create(
                slug="imported", defaults={"name": "Imported"}
            )
            return category
        try:
            return Category.objects.get(slug=slug)
        except Category.DoesNotExist:
            known = ", ".join(Category.objects.values_list("slug", flat=True))
            raise CommandError(
                f"No category with the slug {slug!r}. Known: {known or 'none'}."
            ) from None

    def person(self, slug, option):
        try:
            return Person.objects.get(slug=slug)
        except Person.DoesNotExist:
            raise CommandError(f"{option}: no person with the slug {slug!r}.") from None


def split_title(html):
    """
    Return (title, body HTML): the title is the first heading's text; later
    headings become section headings (h2 to h4).
    """
    soup = BeautifulSoup(html, "html.parser")
    if soup.body:
        soup = soup.body
    first = soup.find(["h1", "h2", "h3", "h4", "h5", "h6"])
    title = None
    if first is not None:
        title = " ".join(first.get_text(" ").split())
        first.decompose()
    for heading in soup.find_all(["h1", "h5", "h6"]):
        heading.name = "h2" if heading.name == "h1" else "h4"
    return title, soup.decode_contents()
