from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from django_tasks.signals import task_finished, task_started

        from . import logs

        # One log line per task, tagged with the request that queued it.
        task_started.connect(logs.task_started, dispatch_uid="clinic-task-started")
        task_finished.connect(logs.task_finished, dispatch_uid="clinic-task-finished")
