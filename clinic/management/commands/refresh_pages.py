from django.core.management.base import BaseCommand, CommandError

from clinic.pagecache import invalidate_public_pages


class Command(BaseCommand):
    help = (
        "Make every cached public page and page part stale, so that readers "
        "get pages built by the code now deployed. Run it after an upgrade."
    )

    def handle(self, *args, **options):
        generation = invalidate_public_pages()
        if generation is None:
            raise CommandError("The cache cannot be reached; nothing was changed.")
        self.stdout.write(f"Cached pages are stale; content generation {generation}.")
