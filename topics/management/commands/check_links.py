"""Check every external link of sources and policies; the admin's Content health page
lists the broken ones. Run it on demand or from cron; it stops after --max-seconds."""

from django.core.management.base import BaseCommand, CommandError

from topics.links import check_links

PROGRESS_EVERY = 25


def positive(value):
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Check the external links (source URLs, official texts) and record which are "
        "broken. Links the time budget leaves no time for are reported as not checked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=positive, default=10.0, help="Seconds per request (default 10)."
        )
        parser.add_argument(
            "--max-seconds",
            type=positive,
            default=300.0,
            help="Time budget for the whole run (default 300).",
        )
        parser.add_argument(
            "--only-broken", action="store_true", help="Recheck only links found broken."
        )
        parser.add_argument(
            "--url-prefix", default="", help="Check only URLs starting with this, e.g. https://x/"
        )
        parser.add_argument(
            "--workers", type=int, default=4, help="Links checked at once (default 4)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check, but do not record the results."
        )

    def handle(self, *args, **options):
        if not 1 <= options["workers"] <= 16:
            raise CommandError("--workers must be between 1 and 16.")
        verbosity = options["verbosity"]

        def report(result, done, total):
            if verbosity >= 2:
                status = "ok" if result.ok else "BROKEN"
                detail = " ".join(str(part) for part in (result.status_code, result.error) if part)
                self.stdout.write(f"  {status} {result.url} {detail}".rstrip())
            if verbosity >= 1 and (done % PROGRESS_EVERY == 0 or done == total):
                self.stdout.write(f"{done}/{total} links checked…")

        summary = check_links(
            timeout=options["timeout"],
            max_seconds=options["max_seconds"],
            only_broken=options["only_broken"],
            url_prefix=options["url_prefix"],
            workers=options["workers"],
            dry_run=options["dry_run"],
            on_result=report,
        )
        if verbosity >= 1:
            style = self.style.SUCCESS if summary.ok == summary.total else self.style.WARNING
            line = str(summary) + (" Nothing recorded (dry run)." if options["dry_run"] else "")
            self.stdout.write(style(line))
