from django.core.management.base import BaseCommand
from django.utils import timezone

from topics.exporter import export_content


class Command(BaseCommand):
    help = (
        "Write all content, drafts included, to content files that `load_content --path` "
        "restores into an empty database (a backup; change history is not included)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Folder to write (default: content-export-<UTC timestamp>).",
        )

    def handle(self, *args, path=None, **options):
        path = path or f"content-export-{timezone.now():%Y%m%dT%H%M%SZ}"
        counts = export_content(path)
        summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Exported {summary} to {path}"))
