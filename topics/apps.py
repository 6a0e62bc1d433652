from django.apps import AppConfig


class TopicsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "topics"
    verbose_name = "SCO reference content"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import (
            m2m_changed,
            post_delete,
            post_migrate,
            post_save,
            pre_delete,
            pre_save,
        )

        import sco_site.checks  # noqa: F401  (registers the project's system checks)

        from .content_version import content_changed, migrated
        from .history import register_models
        from .search import register_sqlite_functions

        register_models()

        # Any change to this app's records makes every cached reader page stale.
        for signal in (pre_save, post_save, pre_delete, post_delete, m2m_changed):
            signal.connect(content_changed, dispatch_uid=f"topics-content-{id(signal)}")
        # SQLite's search (topics/search.py) folds case with Python's casefold.
        connection_created.connect(register_sqlite_functions, dispatch_uid="topics-sqlite-fold")
        post_migrate.connect(migrated, sender=self, dispatch_uid="topics-content-migrated")
