from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db import models
from django.db.models import Count

from .admin_import import ImportExportRecordsMixin
from .editing import CitationFormSet, PublishableAdmin, RecordAdmin
from .markup import cited_keys
from .models import (
    Body,
    Citation,
    Country,
    Domain,
    Exercise,
    ExerciseSeries,
    Meeting,
    Membership,
    Participation,
    Policy,
    PolicyParty,
    PolicyRelation,
    Source,
    Term,
    Theme,
    ThemeLink,
    Topic,
    TopicCountry,
)
from .resources import ExerciseResource, PolicyResource, SourceResource

admin.site.site_header = "SCO Military Cooperation Reference"
admin.site.site_title = "SCO Reference admin"
admin.site.index_title = "Content"


# Inlines --------------------------------------------------------------------


class CitationInline(GenericTabularInline):
    model = Citation
    formset = CitationFormSet
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["position", "source", "note"]
    verbose_name = "source cited"
    verbose_name_plural = "sources cited (shown as numbered references)"


class ThemeInline(GenericTabularInline):
    model = ThemeLink
    extra = 0
    autocomplete_fields = ["theme"]
    verbose_name = "theme"
    verbose_name_plural = "themes"


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    autocomplete_fields = ["country"]


class PolicyPartyInline(admin.TabularInline):
    model = PolicyParty
    extra = 0
    autocomplete_fields = ["country"]
    fields = ["country", "role", "joined_date", "joined_precision"]


class PolicyRelationInline(admin.TabularInline):
    model = PolicyRelation
    fk_name = "from_policy"
    extra = 0
    autocomplete_fields = ["to_policy"]
    verbose_name = "relation to another document"
    verbose_name_plural = "relations to other documents (e.g. this protocol amends the Charter)"


class TopicCountryInline(admin.TabularInline):
    model = TopicCountry
    extra = 0
    autocomplete_fields = ["country"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["status", "start_date", "start_precision", "end_date", "end_precision", "note"]
    show_change_link = True  # its citations are edited on the membership's own page


# Vocabulary -----------------------------------------------------------------


@admin.register(Theme)
class ThemeAdmin(PublishableAdmin):
    list_display = ["name", "slug", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        PublishableAdmin.publication_fieldset,
    ]


@admin.register(Country)
class CountryAdmin(PublishableAdmin):
    list_display = ["name", "iso_code", "current_status", "status", "updated_at"]
    list_filter = ["status", "memberships__status"]
    search_fields = ["name", "iso_code", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "iso_code", "aliases", "summary"]}),
        PublishableAdmin.publication_fieldset,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships")

    @admin.display(description="SCO status now")
    def current_status(self, obj):
        current = obj.current_membership()
        return current.get_status_display() if current else "—"


@admin.register(Membership)
class MembershipAdmin(RecordAdmin):
    list_display = ["country", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["country__name", "note"]
    autocomplete_fields = ["country"]
    date_hierarchy = "start_date"
    inlines = [CitationInline]
    list_select_related = ["country"]


@admin.register(ExerciseSeries)
class ExerciseSeriesAdmin(PublishableAdmin):
    list_display = ["name", "exercise_count", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name", "description", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ThemeInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "aliases", "description"]}),
        PublishableAdmin.publication_fieldset,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(exercise_total=Count("exercises"))

    @admin.display(description="Exercises", ordering="exercise_total")
    def exercise_count(self, obj):
        return obj.exercise_total


@admin.register(Source)
class SourceAdmin(ImportExportRecordsMixin, RecordAdmin):
    resource_classes = [SourceResource]
    list_display = ["title", "publisher", "published_date", "key", "url"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "author", "url", "key"]
    prepopulated_fields = {"key": ["title"]}
    date_hierarchy = "published_date"
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


# Records ----------------------------------------------------------------------


@admin.register(Exercise)
class ExerciseAdmin(ImportExportRecordsMixin, PublishableAdmin):
    resource_classes = [ExerciseResource]
    list_display = ["name", "start_date", "series", "framework", "kind", "personnel", "status"]
    list_filter = ["status", "framework", "kind", "series", "domains", "participations__country"]
    search_fields = ["name", "location", "description", "aliases"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["series"]
    formfield_overrides = {
        **RecordAdmin.formfield_overrides,
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }
    list_select_related = ["series"]
    inlines = [ParticipationInline, ThemeInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "aliases", "series", "kind", "framework", "domains"]}),
        ("Framing agreements", {"fields": ["agreements"]}),
        (
            "When and where",
            {
                "fields": [
                    ("start_date", "start_precision"),
                    ("end_date", "end_precision"),
                    "location",
                    ("latitude", "longitude"),
                ]
            },
        ),
        ("Scale", {"fields": ["personnel", "personnel_approximate"]}),
        ("Text", {"fields": ["description", "disputed"]}),
        PublishableAdmin.publication_fieldset,
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Domains are four boxes; agreements are chosen among every policy by name.
        if db_field.name == "agreements":
            kwargs["widget"] = AutocompleteSelectMultiple(db_field, self.admin_site)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Policy)
class PolicyAdmin(ImportExportRecordsMixin, PublishableAdmin):
    resource_classes = [PolicyResource]
    list_display = ["short_name", "kind", "signed_date", "legal_status", "status"]
    list_filter = ["status", "kind", "legal_status", "party_links__country"]
    search_fields = ["title", "short_name", "summary", "body", "aliases"]
    date_hierarchy = "signed_date"
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [PolicyPartyInline, PolicyRelationInline, ThemeInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["title", "short_name", "slug", "aliases", "kind", "legal_status"]}),
        (
            "Dates",
            {
                "fields": [
                    ("signed_date", "signed_precision"),
                    "signed_place",
                    ("in_force_date", "in_force_precision"),
                ]
            },
        ),
        ("Text", {"fields": ["summary", "body", "official_text_url"]}),
        PublishableAdmin.publication_fieldset,
    ]


@admin.register(Body)
class BodyAdmin(PublishableAdmin):
    list_display = ["short_name", "name", "founded_date", "meeting_count", "status"]
    list_filter = ["status"]
    # Explicit: the count's GROUP BY sets the model's default order aside.
    ordering = ["short_name"]
    search_fields = ["name", "short_name", "description", "aliases"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [ThemeInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "aliases", "description"]}),
        ("Founded and seat", {"fields": [("founded_date", "founded_precision"), "seat"]}),
        PublishableAdmin.publication_fieldset,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(meeting_total=Count("meetings"))

    @admin.display(description="Meetings", ordering="meeting_total")
    def meeting_count(self, obj):
        return obj.meeting_total


@admin.register(Meeting)
class MeetingAdmin(PublishableAdmin):
    list_display = ["name", "body", "date", "place", "host", "status"]
    list_filter = ["status", "body", "host"]
    search_fields = ["name", "place", "outcome", "disputed"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["body", "host", "chair", "policies", "exercises"]
    list_select_related = ["body", "host"]
    inlines = [CitationInline]
    fieldsets = [
        (None, {"fields": ["body", "name", "slug", "number"]}),
        (
            "When and where",
            {"fields": [("date", "date_precision"), "place", ("host", "chair")]},
        ),
        ("What came out of it", {"fields": ["outcome", "policies", "exercises", "disputed"]}),
        PublishableAdmin.publication_fieldset,
    ]


@admin.register(Topic)
class TopicAdmin(PublishableAdmin):
    list_display = ["title", "last_reviewed", "status", "updated_at"]
    list_filter = ["status", "theme_links__theme"]
    search_fields = ["title", "summary", "body", "aliases"]
    date_hierarchy = "updated_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["related_topics", "exercises", "policies"]
    inlines = [ThemeInline, TopicCountryInline, CitationInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "aliases", "summary", "body", "last_reviewed"]}),
        ("Related content", {"fields": ["related_topics", "exercises", "policies"]}),
        PublishableAdmin.publication_fieldset,
    ]

    def save_related(self, request, form, formsets, change):
        """Attach any source cited in the body as [@key] that is not yet in the list."""
        super().save_related(request, form, formsets, change)
        topic = form.instance
        attached = {citation.source.key for citation in topic.citations.select_related("source")}
        wanted = [key for key in cited_keys(topic.body) if key not in attached]
        found = Source.objects.in_bulk(wanted, field_name="key")
        last = max((c.position for c in topic.citations.all()), default=0)
        for offset, key in enumerate(k for k in wanted if k in found):
            Citation.objects.create(record=topic, source=found[key], position=last + offset + 1)
        missing = [key for key in wanted if key not in found]
        if missing:
            self.message_user(
                request,
                "No source has the key " + ", ".join(missing) + "; add it under Sources, "
                "or correct the [@key] in the body.",
                messages.WARNING,
            )


@admin.register(Term)
class TermAdmin(PublishableAdmin):
    list_display = ["term", "expansion", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["term", "expansion", "also_matches", "definition"]
    prepopulated_fields = {"slug": ["term"]}
    inlines = [CitationInline]
    fieldsets = [
        (None, {"fields": ["term", "slug", "expansion", "also_matches", "definition"]}),
        PublishableAdmin.publication_fieldset,
    ]
