from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from topics.cache import bump_content_version
from topics.loader import CONTENT_DIR, ContentError, apply_bundle, read_bundle


class Command(BaseCommand):
    help = (
        "Load the bundled content files (topics/content/) in one transaction: "
        "validate everything first, create what is missing, update what changed, "
        "and never overwrite a record an editor has changed since it was loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(CONTENT_DIR), help="Content folder to load.")
        parser.add_argument(
            "--check", action="store_true", help="Only validate the files; change nothing."
        )
        parser.add_argument(
            "--restore",
            action="store_true",
            help="Restore a backup made by export_content: load every record as it was, "
            "without the editorial rules for bundled content (e.g. drafts with no source yet).",
        )

    def handle(self, *args, path, check, restore, **options):
        try:
            bundle = read_bundle(path, strict=not restore)
            if check:
                counts = ", ".join(f"{len(v)} {k}" for k, v in bundle.items())
                self.stdout.write(self.style.SUCCESS(f"Content is valid: {counts}."))
                return
            with transaction.atomic():
                report = apply_bundle(bundle)
                # Bulk writes send no signals: make every cached page stale once committed.
                transaction.on_commit(bump_content_version)
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"{len(error.problems)} problem(s) in the content files; nothing was changed."
            ) from None
        self.stdout.write(self.style.SUCCESS(summary(report)))
        for label in report.kept:
            self.stdout.write(f"  kept the editor's version of {label}")


def summary(report):
    def total(counts):
        return sum(counts.values())

    return (
        f"Content loaded: {total(report.created)} created, {total(report.updated)} updated, "
        f"{total(report.unchanged)} unchanged, {len(report.kept)} kept as edited in the admin."
    )
