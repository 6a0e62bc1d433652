"""Import and export of records from the admin list, with a preview, history and undo.

`ImportExportRecordsMixin` (django-import-export's ImportExportMixin, adjusted) goes
first in the bases of an admin class, with `resource_classes` from topics/resources.py:

- Export (view permission) writes the list as filtered and searched, as CSV or XLSX.
- Import (add and change permissions) shows a preview: "2 new, 1 update, 0 unchanged"
  with each record's changes, or every row's errors, in which case nothing can be
  confirmed. The confirmed import runs in one transaction and is rolled back whole if
  any row fails then (the database may have changed since the preview).
- Each record imported is one revision of one batch; "Recent imports" lists the
  batches, and a Publisher (delete and publish permissions) can undo one after a
  confirmation page that lists its records.
"""

import io
import logging
import os

import openpyxl
from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Min
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.timezone import now
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm, ImportForm
from import_export.results import RowResult
from reversion.models import Version

from .history import revert_batch
from .models import RevisionNote
from .resources import sheet_row

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Uploads previewed in this session and not yet confirmed (their temporary names).
SESSION_KEY = "topics_import_uploads"
UNDONE_KINDS = {RevisionNote.Kind.REVERT, RevisionNote.Kind.DELETE}


class TextSafeXLSX(base_formats.XLSX):
    """XLSX in which text is always text: openpyxl writes a value starting with "=" as a
    formula, which a spreadsheet evaluates and a re-import reads back empty."""

    def export_data(self, dataset, **kwargs):
        data = super().export_data(dataset, **kwargs)
        book = openpyxl.load_workbook(io.BytesIO(data))
        cells = (cell for row in book.active.iter_rows() for cell in row)
        formulas = [cell for cell in cells if cell.data_type == "f"]
        if not formulas:
            return data
        for cell in formulas:
            cell.data_type = "s"
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


class RecordImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
                "split it into smaller files."
            )
        return upload


# What an import did, read back from the history ---------------------------------------


def import_batches(model, limit=20):
    """Return the latest imports of `model` records, newest first."""
    content_type = ContentType.objects.get_for_model(model)
    return (
        Version.objects.filter(
            content_type=content_type, revision__note__kind=RevisionNote.Kind.IMPORT
        )
        .exclude(revision__note__batch="")
        .values("revision__note__batch")
        .annotate(
            records=Count("pk"),
            started=Min("revision__date_created"),
            reason=Max("revision__note__reason"),
            username=Max("revision__user__username"),
        )
        .order_by("-started")[:limit]
    )


def batch_records(model, batch):
    """Return, for each record an import wrote, what undoing the import will do to it."""
    content_type = ContentType.objects.get_for_model(model)
    versions = (
        Version.objects.filter(
            content_type=content_type,
            revision__note__batch=batch,
            revision__note__kind=RevisionNote.Kind.IMPORT,
        )
        .select_related("revision__user", "revision__note")
        .order_by("pk")
    )
    records = []
    for version in versions:
        history = (
            Version.objects.get_for_object_reference(model, version.object_id)
            .select_related("revision__user", "revision__note")
            .order_by("pk")
        )
        later = list(history.filter(pk__gt=version.pk))
        records.append(
            {
                "version": version,
                "name": version.object_repr,
                "created": not history.filter(pk__lt=version.pk).exists(),
                "exists": model._default_manager.filter(pk=version.object_id).exists(),
                "next": later[0] if later else None,
                "latest": later[-1] if later else None,
            }
        )
    return records


def undo_of(records):
    """Return the first later version of each record if they all come from one undo."""
    following = [record["next"] for record in records]
    if not following or None in following:
        return None
    notes = [getattr(version.revision, "note", None) for version in following]
    if any(note is None or note.kind not in UNDONE_KINDS for note in notes):
        return None
    if len({note.batch for note in notes}) != 1 or not notes[0].batch:
        return None
    return following[0]


# The admin mixin -------------------------------------------------------------------------


class ImportExportRecordsMixin(ImportExportMixin):
    formats = [base_formats.CSV, TextSafeXLSX]
    # The plain export form: the selectable-fields one needs inline JavaScript and styles,
    # which the admin's Content Security Policy blocks.
    export_form_class = ExportForm
    import_form_class = RecordImportForm
    # A byte-order mark, so that Excel opens the CSV as UTF-8 (imports skip it).
    to_encoding = "utf-8-sig"
    import_template_name = "admin/topics/import_export/import.html"
    import_export_change_list_template = "admin/topics/import_export/change_list.html"

    # Permissions -------------------------------------------------------------------

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def has_undo_permission(self, request):
        """Undoing deletes what the import created and restores published records too."""
        opts = self.opts
        actions = ["delete"] + (["publish"] if "publish" in opts.default_permissions else [])
        return all(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in actions
        )

    # URLs --------------------------------------------------------------------------

    def get_urls(self):
        prefix = "{}_{}".format(*self.get_model_info())
        return [
            path(
                "imports/",
                self.admin_site.admin_view(self.import_batches_view),
                name=f"{prefix}_import_batches",
            ),
            path(
                "imports/<str:batch>/undo/",
                self.admin_site.admin_view(self.import_undo_view),
                name=f"{prefix}_import_undo",
            ),
            *super().get_urls(),
        ]

    def admin_url(self, name, *args):
        app_label, model_name = self.get_model_info()
        return reverse(
            f"{self.admin_site.name}:{app_label}_{model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    # Export --------------------------------------------------------------------------

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            messages.error(request, "These filters are not valid; choose them again.")
            return redirect(self.admin_url("changelist"))

    def get_export_filename(self, request, queryset, file_format):
        name = slugify(self.opts.verbose_name_plural)
        return f"sco-{name}-{now():%Y-%m-%d}.{file_format.get_extension()}"

    # Import: preview -----------------------------------------------------------------

    def add_data_read_fail_error_to_form(self, form, e):
        logger.info("Import file could not be read: %r", e)
        form.add_error(
            "import_file",
            "This file could not be read. Check that it is a CSV file (UTF-8, separated "
            "by commas) or an Excel .xlsx file, and that the format chosen matches it.",
        )

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # Without this django-import-export commits the valid rows of a file whose other
        # rows fail validation when the import is confirmed.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form=import_form)
        if import_form is not None:
            uploads = request.session.get(SESSION_KEY, [])[-19:]
            uploads.append(os.path.basename(form.initial["import_file_name"]))
            request.session[SESSION_KEY] = uploads
        return form

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):
            context = response.context_data
            context["fields_list"] = self.import_columns(request)
            if context.get("result"):
                self.describe_result(request, context)
                upload = context["form"].cleaned_data.get("import_file")
                if not context.get("confirm_form") and upload is not None:
                    self.discard_upload(upload.tmp_storage_name)
        return response

    def import_columns(self, request):
        """List the columns an import reads: the publication state is export-only."""
        resource = self.get_import_resource_classes(request)[0]
        columns = [field.column_name for field in resource().get_import_fields()
                   if not field.readonly]  # fmt: skip
        return [(resource.get_display_name(), columns)]

    def describe_result(self, request, context):
        """Add the summary and the row-by-row messages the templates show."""
        result = context["result"]
        resource_class = self.get_import_resource_classes(request)[0]
        totals = result.totals
        context["import_summary"] = (
            f"{totals[RowResult.IMPORT_TYPE_NEW]} new, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} update, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} unchanged"
        )
        context["file_messages"] = [str(error.error) for error in result.base_errors]
        for row in result.error_rows:
            for error in row.errors:
                logger.warning("Import row %s failed:\n%s", row.number, error.traceback)
                context["file_messages"].append(f"Row {sheet_row(row.number)}: {error.error}")
        context["row_messages"] = [
            f"Row {sheet_row(row.number)}"
            + ("" if key == NON_FIELD_ERRORS else f", {resource_class.column_for(key)}")
            + f": {message}"
            for row in result.invalid_rows
            for key, row_errors in row.error_dict.items()
            for message in row_errors
        ]
        changes = totals[RowResult.IMPORT_TYPE_NEW] + totals[RowResult.IMPORT_TYPE_UPDATE]
        if context.get("confirm_form") and not changes:
            self.forget_upload(request, context["confirm_form"].initial["import_file_name"])
            context["confirm_form"] = None
            context["nothing_to_import"] = True

    def discard_upload(self, name):
        """Delete an upload that will not be confirmed (django-import-export leaves it)."""
        try:
            self.get_tmp_storage_class()(name=os.path.basename(name)).remove()
        except OSError:
            pass

    def forget_upload(self, request, name):
        """Remove a previewed upload from the session; return whether it was there."""
        uploads = request.session.get(SESSION_KEY, [])
        name = os.path.basename(name)
        if name not in uploads:
            return False
        uploads.remove(name)
        request.session[SESSION_KEY] = uploads
        return True

    # Import: confirm ------------------------------------------------------------------

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        formats = self.get_import_formats()
        if not form.is_valid() or form.cleaned_data["format"] not in map(str, range(len(formats))):
            return self.import_expired(request)
        # Only an upload this session previewed, and only once: a second click on
        # "Confirm import" must not import the file twice.
        name = form.cleaned_data["import_file_name"]
        if not self.forget_upload(request, name):
            return self.import_expired(request)
        input_format = formats[int(form.cleaned_data["format"])](encoding=self.from_encoding)
        storage = self.get_tmp_storage_class()(
            name=name,
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            data = storage.read()
        except OSError:
            data = None
        if data is None:
            return self.import_expired(request)
        self.discard_upload(name)
        dataset = input_format.create_dataset(data)
        result = self.process_dataset(dataset, form, request, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, "Nothing was imported: the file no longer imports cleanly.")
            context = {
                **self.admin_site.each_context(request),
                "title": "Import",
                "opts": self.opts,
                "form": self.get_import_form_class(request)(
                    formats, self.get_import_resource_classes(request)
                ),
                "fields_list": self.import_columns(request),
                "result": result,
                "import_error_display": self.import_error_display,
            }
            self.describe_result(request, context)
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        return self.process_result(result, request)

    def import_expired(self, request):
        messages.error(
            request,
            "This import was already confirmed, or its preview has expired: upload the file again.",
        )
        return redirect(self.admin_url("import"))

    def add_success_message(self, result, request):
        totals = result.totals
        text = "Imported {}: {} new, {} updated, {} unchanged. New records are drafts."
        values = [
            getattr(result, "file_name", "the file"),
            totals[RowResult.IMPORT_TYPE_NEW],
            totals[RowResult.IMPORT_TYPE_UPDATE],
            totals[RowResult.IMPORT_TYPE_SKIP],
        ]
        batch = getattr(result, "batch", "")
        if batch and self.has_undo_permission(request):
            text += ' <a href="{}">Undo this import</a>'
            values.append(self.admin_url("import_undo", batch))
        elif batch:
            text += " A Publisher can undo it from Recent imports."
        messages.success(request, format_html(text, *values))

    # Recent imports and undo --------------------------------------------------------

    def import_batches_view(self, request):
        if not (self.has_import_permission(request) or self.has_undo_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"Recent imports of {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "batches": import_batches(self.model),
            "has_undo_permission": self.has_undo_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/topics/import_export/import_batches.html", context)

    def import_undo_view(self, request, batch):
        if not self.has_undo_permission(request):
            raise PermissionDenied
        records = batch_records(self.model, batch)
        if not records:
            raise Http404("No such import")
        note = records[0]["version"].revision.note
        file_name = note.reason.removeprefix("Import of ")
        undone_by = undo_of(records)
        if request.method == "POST":
            if undone_by is not None:
                messages.error(request, "This import has already been undone.")
            else:
                with transaction.atomic():
                    restored, deleted = revert_batch(
                        batch, user=request.user, reason=f"Undo of the import of {file_name}"
                    )
                messages.success(
                    request,
                    f"Undid the import of {file_name}: {restored} record(s) restored to "
                    f"their state before it, {deleted} deleted (their last state is kept "
                    "in the history).",
                )
            return redirect(self.admin_url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Undo the import of {file_name}?",
            "opts": self.opts,
            "records": records,
            "revision": records[0]["version"].revision,
            "undone_by": undone_by,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/topics/import_export/import_undo.html", context)
