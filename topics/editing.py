"""How the admin keeps editors' work safe: history, reasons, stale forms, roles.

`RecordAdmin` is the base of every content record's admin:

- history: django-reversion keeps every save as a version (one record with its
  rows per revision, see topics/history.py), with the editor and an optional
  reason typed in the form; django-reversion-compare compares any two versions.
  Bulk actions and deletions are recorded too (a deletion keeps a snapshot, so
  "Recover deleted …" brings the record back with its rows).
- no silent overwrite: the change form carries an edit token; saving a form
  opened before someone else's save is refused with what changed meanwhile,
  and the editor's input stays in the form.
- roles: Editors add and change; publishing, unpublishing, deleting, reverting
  and recovering need the Publisher role (`publish_<model>`), checked on the
  server for every request, not only by hiding buttons.
- a record is published only with at least one source.
"""

import datetime
import html

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.timezone import template_localtime
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from .content_version import bump_content_version
from .history import (
    delete_with_snapshot,
    edit_token,
    new_batch,
    restore_incoming_links,
    save_version,
    versions_after,
)
from .markup import cited_keys
from .models import Citation, Country, Membership, Publishable, RevisionNote

# Records that are factual claims and must cite a source before readers see them.
NEEDS_SOURCE = {"exercise", "policy", "topic"}


# The change form's own fields, which are not the record's.
OWN_FIELDS = {"change_reason", "edit_token"}


# Forms ------------------------------------------------------------------------


class RecordForm(forms.ModelForm):
    """A change form that knows which version it was opened on, and asks why."""

    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=300,
        required=False,
        help_text="Optional, a few words (e.g. “troop figure corrected from the MoD release”). "
        "Shown in the record's public change log.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["edit_token"] = edit_token(self.instance)

    @cached_property
    def changed_data(self):
        # The token and the reason are not the record's data: keep them out of the
        # "Changed …" message that history shows.
        return [name for name in super().changed_data if name not in OWN_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self.refuse_if_stale()
        return cleaned

    def refuse_if_stale(self):
        model = type(self.instance)
        # Lock the record's row until this save commits, so two saves cannot both
        # pass. Every content transaction takes the content version's row first
        # (topics/content_version.py), and so does this one, or two could deadlock.
        bump_content_version()
        current = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError("This record was deleted while you were editing it.")
        token = self.data.get("edit_token", "")
        now = edit_token(current)
        if token == now:
            return
        lines = [
            "Not saved: someone else saved this record after you opened this form. Your "
            "changes are still in the form below, merged with theirs where you had not "
            "touched a field. Check the changes listed here, then save again."
        ]
        for version in versions_after(current, token):
            revision = version.revision
            who = revision.user.get_username() if revision.user else "the content loader"
            when = localize(template_localtime(revision.date_created))
            lines.append(f"{when}, {who}: {revision.get_comment() or 'changed'}")
        self.data = self.data.copy()
        lines += self.merge_changes(current, self.version_at(current, token))
        # The form now carries the new token: a second, informed save goes through.
        self.data["edit_token"] = now
        raise ValidationError(lines)

    def merge_changes(self, current, opened):
        """Put the other editor's values into fields this editor left alone.

        Return one line per field changed meanwhile. Without the version the form
        was opened on, nothing is merged and only the current values are listed.
        """
        lines = []
        opened_values = opened.field_dict if opened is not None else {}
        for name, field in self.fields.items():
            try:
                model_field = current._meta.get_field(name)
            except Exception:
                continue  # edit_token, change_reason
            if model_field.many_to_many:
                before = sorted(opened_values.get(name, []))
                after = sorted(current_pks(current, name))
                mine = sorted(obj.pk for obj in self.cleaned_data.get(name, []) or [])
            elif model_field.concrete:
                before = opened_values.get(model_field.attname)
                after = getattr(current, model_field.attname)
                mine = self.cleaned_data.get(name)
                mine = getattr(mine, "pk", mine)
            else:
                continue
            before, after, mine = (comparable(value) for value in (before, after, mine))
            if opened is not None and before == after:
                continue
            if opened is None and mine == after:
                continue
            label = str(field.label or name).capitalize()
            if opened is not None and mine == before:
                self.set_data(name, field, after)
                lines.append(f"{label}: now {describe_value(field, after)} (taken into the form)")
            else:
                lines.append(
                    f"{label}: now {describe_value(field, after)}; your form has "
                    f"{describe_value(field, mine)} (kept: saving again applies yours)"
                )
        return lines

    def set_data(self, name, field, value):
        key = self.add_prefix(name)
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        elif isinstance(value, list):
            self.data.setlist(key, [str(item) for item in value])
        else:
            self.data[key] = "" if value is None else str(value)

    @staticmethod
    def version_at(record, token):
        from reversion.models import Version

        try:
            pk = int(str(token).split("|", 1)[0])
        except ValueError:
            return None
        return Version.objects.get_for_object(record).filter(pk=pk).first()


def comparable(value):
    """Compare date-times to the second: the admin's widgets drop microseconds."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0)
    return value


def current_pks(record, name):
    return list(getattr(record, name).values_list("pk", flat=True))


def describe_value(field, value):
    """Show a value as an editor knows it: a choice's label, a related record's name."""
    if value in (None, "", []):
        return "(empty)"
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        values = value if isinstance(value, list) else [value]
        names = [str(obj) for obj in queryset.model._default_manager.filter(pk__in=values)]
        return ", ".join(names) or "(empty)"
    choices = dict(getattr(field, "choices", []) or [])
    if value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class CitationFormSet(BaseGenericInlineFormSet):
    """Refuse to save a published factual record without a source."""

    def clean(self):
        super().clean()
        parent = self.instance
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("source")
        ]
        if kept or self.body_cites_a_source(parent):
            return
        name = parent._meta.model_name
        if name in NEEDS_SOURCE and getattr(parent, "status", None) == Publishable.Status.PUBLISHED:
            raise ValidationError(
                f"A published {parent._meta.verbose_name} must cite at least one source. "
                "Add a source below, or save it as a draft."
            )
        if isinstance(parent, Membership) and parent.country_id and parent.country.is_published:
            raise ValidationError(
                "The status of a published country must cite at least one source. "
                "Add a source below."
            )

    @staticmethod
    def body_cites_a_source(parent):
        """A topic's [@key] citations are attached on save (TopicAdmin.save_related)."""
        from .models import Source

        keys = cited_keys(getattr(parent, "body", "") or "") if hasattr(parent, "body") else []
        return parent._meta.model_name == "topic" and Source.objects.filter(key__in=keys).exists()


class SafeAutocompleteSelect(AutocompleteSelect):
    """Autocomplete that ignores a non-numeric value instead of failing to render."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, valid_keys(self.field, value), attr)


class SafeAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, valid_keys(self.field, value), attr)


def valid_keys(field, values):
    opts = field.remote_field.model._meta
    target = opts.get_field(getattr(field.remote_field, "field_name", opts.pk.attname))
    kept = []
    for value in values:
        try:
            target.to_python(value)
        except ValidationError:
            continue
        kept.append(value)
    return kept


# Admin base -------------------------------------------------------------------


class RecordAdmin(CompareVersionAdmin):
    """Base admin of every content record: history, reasons, stale-form refusal, roles."""

    form = RecordForm
    compare_exclude = ["created_at", "updated_at"]  # every save moves them
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    history_latest_first = True

    # Roles ---------------------------------------------------------------------

    def has_publish_permission(self, request):
        opts = self.model._meta
        if issubclass(self.model, Publishable):
            return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")
        return self.has_delete_permission(request)

    def has_restore_permission(self, request):
        """Reverting and recovering change what readers see: Publishers only."""
        return self.has_publish_permission(request) and self.has_change_permission(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if issubclass(self.model, Publishable) and not self.has_publish_permission(request):
            fields += [name for name in ("status", "published_at") if name not in fields]
        return fields

    def get_fieldsets(self, request, obj=None):
        # The form's own fields are shown after the inlines, by the change form
        # template (templates/admin/topics/change_form.html).
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in OWN_FIELDS]})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Saving with a reason -------------------------------------------------------

    def save_model(self, request, obj, form, change):
        request.change_reason = form.cleaned_data.get("change_reason", "")
        super().save_model(request, obj, form, change)

    def _note(self, request):
        if not reversion.is_active():
            return
        path = request.path
        kind = RevisionNote.Kind.EDIT
        if "/recover/" in path:
            kind = RevisionNote.Kind.RECOVER
        elif "/history/" in path:
            kind = RevisionNote.Kind.REVERT
        reversion.add_meta(RevisionNote, kind=kind, reason=getattr(request, "change_reason", ""))

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._note(request)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._note(request)
        return entry

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self.start_history(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def start_history(self, request, object_id):
        """Give a record with no history yet a first version, so a stale form opened on it
        can be merged field by field (records written by code outside the admin)."""
        from reversion.models import Version

        record = self.get_object(request, object_id)
        if record is not None and not Version.objects.get_for_object(record).exists():
            save_version(record, comment="Initial version")

    # Revert and recover: Publishers only ---------------------------------------

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        response = super().recover_view(request, version_id, extra_context)
        if request.method == "POST" and response.status_code == 302:
            # Links held by other records (a topic's exercises) are not in the record's
            # own version: the deletion noted them.
            version = Version.objects.filter(pk=version_id).first()
            if version is not None:
                restore_incoming_links(version)
        return response

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def compare_view(self, request, object_id, extra_context=None):
        context = {"can_restore": self.has_restore_permission(request), **(extra_context or {})}
        return super().compare_view(request, object_id, context)

    def history_view(self, request, object_id, extra_context=None):
        context = {"can_restore": self.has_restore_permission(request), **(extra_context or {})}
        return super().history_view(request, object_id, context)

    # Lists: actions and deletions record one revision per record ----------------

    def changelist_view(self, request, extra_context=None):
        # Not VersionAdmin's: it wraps the whole list in one revision, which would
        # merge the per-record revisions of bulk actions and lose deletion snapshots.
        context = {
            "has_change_permission": self.has_change_permission(request),
            "has_restore_permission": self.has_restore_permission(request),
            **(extra_context or {}),
        }
        return admin.ModelAdmin.changelist_view(self, request, context)

    def response_action(self, request, queryset):
        """Refuse a selection that is not a list of record ids, with a message, not a 500."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        pk_field = self.model._meta.pk
        try:
            for value in selected:
                pk_field.to_python(value)
        except ValidationError:
            self.message_user(
                request, "That selection is not valid; select the records again.", messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def delete_model(self, request, obj):
        delete_with_snapshot(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        batch = new_batch()
        with transaction.atomic():
            for obj in queryset:
                delete_with_snapshot(obj, user=request.user, batch=batch)


# Bulk publish / unpublish ---------------------------------------------------------


def lacking_sources(queryset):
    """Return the records of `queryset` that may not be published for want of a source."""
    model = queryset.model
    if model._meta.model_name in NEEDS_SOURCE:
        return queryset.annotate(source_count=Count("citations")).filter(source_count=0)
    if model is Country:
        unsourced = Membership.objects.filter(country=OuterRef("pk")).exclude(
            Exists(Citation.objects.filter(
                content_type__app_label="topics",
                content_type__model="membership",
                object_id=OuterRef("pk"),
            ))
        )  # fmt: skip
        return queryset.filter(Exists(unsourced))
    return queryset.none()


def record_bulk_change(request, records, reason):
    batch = new_batch()
    for record in records:
        save_version(
            record, kind=RevisionNote.Kind.BULK, user=request.user, reason=reason, batch=batch
        )


@admin.action(description="Publish selected records", permissions=["publish"])
def publish(modeladmin, request, queryset):
    refused = list(lacking_sources(queryset))
    ids = [record.pk for record in queryset.exclude(pk__in=[r.pk for r in refused])]
    now = timezone.now().replace(microsecond=0)  # as the admin's widgets show it
    with transaction.atomic():
        # update() sends no save signals: move the content version by hand, first.
        bump_content_version()
        targets = queryset.model._default_manager.filter(pk__in=ids)
        # Keep existing publication times; stamp those never published.
        targets.filter(published_at__isnull=True).update(
            status=Publishable.Status.PUBLISHED, published_at=now, updated_at=now
        )
        targets.filter(published_at__isnull=False).update(
            status=Publishable.Status.PUBLISHED, updated_at=now
        )
        record_bulk_change(request, targets, "Published")
    modeladmin.message_user(request, f"Published {len(ids)} record(s).", messages.SUCCESS)
    if refused:
        names = ", ".join(html.unescape(str(record)) for record in refused)
        modeladmin.message_user(
            request,
            f"Not published, because they cite no source yet: {names}. "
            "Add a source to each, then publish.",
            messages.WARNING,
        )


@admin.action(description="Unpublish selected records (back to draft)", permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    ids = list(queryset.values_list("pk", flat=True))
    with transaction.atomic():
        bump_content_version()
        targets = queryset.model._default_manager.filter(pk__in=ids)
        targets.update(status=Publishable.Status.DRAFT, updated_at=timezone.now())
        record_bulk_change(request, targets, "Unpublished")
    modeladmin.message_user(request, f"Moved {len(ids)} record(s) back to draft.", messages.SUCCESS)


class PublishableAdmin(RecordAdmin):
    actions = [publish, unpublish]
    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at"]
    publication_fieldset = (
        "Publication",
        {"fields": ["status", "published_at", "created_at", "updated_at"]},
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if obj.status == Publishable.Status.PUBLISHED and lacking_sources(
            type(obj).objects.filter(pk=obj.pk)
        ):
            # Only countries get here (the citation formset refuses the others): their
            # status periods are sourced on their own pages, so keep it as a draft.
            type(obj).objects.filter(pk=obj.pk).update(status=Publishable.Status.DRAFT)
            obj.status = Publishable.Status.DRAFT
            if reversion.is_active():
                reversion.add_to_revision(obj)  # the version records the draft
            self.message_user(
                request,
                "Saved as a draft: every status period of a published country must cite a "
                "source. Add sources to its memberships, then publish.",
                messages.WARNING,
            )
