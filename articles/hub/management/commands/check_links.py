from django.core.management.base import BaseCommand

from articles.hub.services.link_checks import check_outbound_links


class Command(BaseCommand):
    help = "Check the outside links in articles: the due ones, or --all."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="Check every URL."
        )

    def handle(self, *args, everything, **options):
        counts = check_outbound_links(everything=everything)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(f"Checked: {summary or 'nothing due'}.")
