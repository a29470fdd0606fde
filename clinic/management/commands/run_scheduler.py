import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Queue the periodic tasks listed in settings.CLINIC_SCHEDULE, each at "
        "its interval. Run exactly one scheduler per deployment."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Queue every periodic task once and exit (for cron).",
        )

    def handle(self, *args, once, **options):
        schedule = {
            import_string(path): seconds
            for path, seconds in settings.CLINIC_SCHEDULE.items()
        }
        if once:
            for task in schedule:
                self.enqueue(task)
            return
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        next_run = dict.fromkeys(schedule, 0.0)
        while self.running:
            now = time.monotonic()
            for task, seconds in schedule.items():
                if next_run[task] <= now:
                    self.enqueue(task)
                    next_run[task] = now + seconds
            # Sleeping in short steps lets a signal stop the loop promptly.
            time.sleep(
                min(1.0, max(0.0, min(next_run.values(), default=now + 1) - now))
            )

    def enqueue(self, task):
        result = task.enqueue()
        self.stdout.write(f"Queued {task.module_path} ({result.id})")

    def stop(self, signum, frame):
        self.running = False
