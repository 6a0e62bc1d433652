"""Write the database back as content files: a backup, and the way editors' work
returns to the repository. The work is `topics.bundle.exporting.export_content()`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from topics.bundle.exporting import export_content
from topics.bundle.reading import ContentError


class Command(BaseCommand):
    help = (
        "Write all content, drafts included, as content files, with the ids and times "
        "`load_content --restore --path` needs to restore it exactly into an empty "
        "database (change history and user accounts are not included)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="Folder to write, new or empty (default: content-export-<UTC timestamp>).",
        )

    def handle(self, *args, path=None, verbosity=1, **options):
        path = path or f"content-export-{timezone.now():%Y%m%dT%H%M%SZ}"
        try:
            counts = export_content(path)
        except ContentError as error:
            raise CommandError("; ".join(error.problems)) from None
        if verbosity >= 1:
            summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Exported {summary} to {path}"))
