import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.models import Person
from articles.services import check_import_reviewer
from articles.wordpress import WXR, Importer, ImportRefused


class Command(BaseCommand):
    help = "Import a WordPress export (WXR): posts, terms, authors, comments."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--pages",
            metavar="CATEGORY",
            help="Also import pages, as articles in this category.",
        )
        parser.add_argument(
            "--create-users",
            action="store_true",
            help="Create a (login-less) user for each author.",
        )
        parser.add_argument(
            "--pingbacks-as-backlinks",
            action="store_true",
            help="Turn pingbacks and trackbacks into pending backlinks.",
        )
        parser.add_argument(
            "--media-dir",
            help="A copy of wp-content/uploads: images are imported from it.",
        )
        parser.add_argument(
            "--reviewed-by",
            metavar="PERSON",
            help="Slug of the medical reviewer who vouches for the published "
            "posts; without it they wait for a sign-off.",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace articles changed here since their import with "
            "WordPress's text (as unpublished changes of a live article).",
        )
        parser.add_argument(
            "--category-mode",
            choices=("first", "primary"),
            default="first",
            help="Which of a post's categories becomes the article's: the "
            "first (default) or the one Yoast or Rank Math marked primary. "
            "The others become tags.",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="Do not show the progress bar.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; write nothing."
        )

    def handle(self, *args, file, **options):
        reviewer = None
        if slug := options["reviewed_by"]:
            reviewer = Person.objects.filter(slug=slug).first()
            if reviewer is None:
                raise CommandError(f"--reviewed-by: no person with the slug {slug!r}.")
            try:
                check_import_reviewer(reviewer)
            except ValidationError as error:
                raise CommandError(
                    "--reviewed-by: " + " ".join(error.messages)
                ) from None
        show = not options["no_progress"] and self.stderr.isatty()
        started = time.monotonic()
        try:
            if show:
                self.stderr.write(f"Checking {file} …", style_func=str)
            wxr = WXR(file)
        except ImportRefused as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            raise CommandError("Interrupted: nothing was written.") from None
        importer = Importer(
            wxr,
            reviewed_by=reviewer,
            pages_category=options["pages"],
            create_users=options["create_users"],
            pingbacks_as_backlinks=options["pingbacks_as_backlinks"],
            media_dir=options["media_dir"],
            dry_run=options["dry_run"],
            overwrite=options["overwrite"],
            category_mode=options["category_mode"],
        )
        bar = tqdm(
            total=importer.total, unit=" posts", file=self.stderr._out, disable=not show
        )
        try:
            with bar:
                report = importer.run(progress=bar.update)
        except (KeyboardInterrupt, ImportRefused) as error:
            # Ctrl-C, or the file changed since it was checked.
            self.write_report(importer.report)
            why = "Interrupted" if isinstance(error, KeyboardInterrupt) else str(error)
            if options["dry_run"]:
                raise CommandError(f"{why}: nothing was written.") from None
            raise CommandError(
                f"{why}. The posts counted above are imported; run the "
                "same command again to import the rest."
            ) from None
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
        self.write_report(report)
        if show:
            self.stderr.write(
                f"{importer.total} posts in {time.monotonic() - started:.0f} s.",
                style_func=self.style.SUCCESS,
            )

    def write_report(self, report):
        for line in report.lines():
            self.stdout.write(line)
