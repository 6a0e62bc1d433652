"""Load the content files (topics/content/) into the database.

Run by `make run` and every deploy. Once a database has been seeded, the
database is the truth: this creates what is new in the files and updates what
the project corrected there, but never re-creates a record an editor deleted
and never overwrites one an editor changed; it says per record what it kept and
why. The work is `topics.bundle.loading.load_content()`.
"""

from django.core.management.base import BaseCommand, CommandError

from topics.bundle.loading import load_content
from topics.bundle.reading import CONTENT_DIR, ContentError


class Command(BaseCommand):
    help = (
        "Load the content files in one transaction: check everything first, create what "
        "is new, update what changed in the files, and keep every record an editor "
        "changed or deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Content folder to load.")
        parser.add_argument(
            "--check", action="store_true", help="Only validate the files; change nothing."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say exactly what would be created, updated and kept; change nothing.",
        )
        parser.add_argument(
            "--restore",
            action="store_true",
            help="Restore a backup made by export_content into an empty database, as it "
            "was: ids, times, drafts with no source yet, and what the loader remembers.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=300,
            metavar="SECONDS",
            help="How long to wait for another load_content to finish (default 300).",
        )

    def handle(self, *args, path, check, dry_run, restore, wait, verbosity, **options):
        def log(message, level=1):
            if verbosity >= level:
                self.stdout.write(message)

        try:
            report = load_content(
                path=path, check=check, dry_run=dry_run, restore=restore, wait=wait, log=log
            )
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was changed."
            ) from None
        if verbosity >= 1 and not check:
            # What was done is detail; what would be done is the point of a dry run.
            detail = 1 if dry_run else 2
            prefix = "would " if dry_run else ""
            for line in report.changes:
                log(f"  {prefix}{line}", detail)
            for diff in report.diffs:
                log(diff, 2)
            for line in report.notes:
                log(f"  {line}")
            for line in report.kept:
                log(f"  {line}")
        log(self.style.SUCCESS(report.summary()))
