"""The library in the Django admin: where editors write, review, publish and retire modules.

Every workflow step calls services.py, so the four-eyes rule and version immutability hold
here exactly as they do for load_library.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import CheckQuestionAdminForm, LibraryActionForm, ModuleAdminForm
from .models import CheckQuestion, Module, ModuleVersion, Section

# Patients should manage at this grade or below (most health literacy guidance says 6-8).
GRADE_WARNING_ABOVE = 8
# Changing these does not change what patients read, so it does not start a new draft.
WORKFLOW_FIELDS = {"reviewed_by"}
# Positions are moved this far out of the way while a reorder is saved (see save_formset).
POSITION_SHIFT = 10000


def grade_label(grade) -> str:
    if grade is None:
        return "—"
    if grade > GRADE_WARNING_ABOVE:
        return format_html(
            "<strong>{} ⚠ {}</strong>",
            grade,
            gettext("above grade %(limit)s") % {"limit": GRADE_WARNING_ABOVE},
        )
    return str(grade)


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    ordering = ["position"]
    fields = ["position", "title", "body_markdown", "grade"]
    readonly_fields = ["grade"]

    @admin.display(description=_("Reading grade"))
    def grade(self, obj):
        return grade_label(obj.reading_grade) if obj.pk else "—"


class CheckQuestionInline(admin.StackedInline):
    model = CheckQuestion
    form = CheckQuestionAdminForm
    extra = 0
    ordering = ["position"]
    verbose_name = _("comprehension check")
    verbose_name_plural = _("comprehension checks")


class ModuleVersionInline(admin.TabularInline):
    model = ModuleVersion
    extra = 0
    ordering = ["-number"]
    fields = ["number", "published_at", "published_by", "reviewed_by", "section_count", "view"]
    readonly_fields = fields
    verbose_name = _("published version")
    verbose_name_plural = _("version history (read-only)")
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by", "reviewed_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Preview"))
    def view(self, obj):
        url = reverse("admin:library_module_preview", args=[obj.module_id])
        return format_html('<a href="{}?version={}">{}</a>', url, obj.number, gettext("Preview"))


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    form = ModuleAdminForm
    action_form = LibraryActionForm
    list_display = [
        "title",
        "status",
        "topic",
        "language",
        "grade",
        "version_number",
        "unpublished_changes",
    ]
    list_select_related = ["current_version"]
    list_filter = ["status", "topic", "language", "has_unpublished_changes"]
    search_fields = ["title", "slug", "summary"]
    ordering = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "status",
        "version_number",
        "has_unpublished_changes",
        "grade",
        "last_edited_by",
        "source_hash",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "topic", "language", "summary", "estimated_minutes"]},
        ),
        (_("Sources and review"), {"fields": ["sources", "last_reviewed", "reviewed_by"]}),
        (_("Translation"), {"fields": ["translation_of"], "classes": ["collapse"]}),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "version_number",
                    "has_unpublished_changes",
                    "grade",
                    "last_edited_by",
                    "created_at",
                    "updated_at",
                    "source_hash",
                ]
            },
        ),
    ]
    inlines = [SectionInline, CheckQuestionInline, ModuleVersionInline]
    actions = ["send_to_review", "publish", "retire"]

    # Columns -----------------------------------------------------------------------------

    @admin.display(description=_("Grade"), ordering="reading_grade")
    def grade(self, obj):
        return grade_label(obj.reading_grade)

    @admin.display(description=_("Version"), ordering="current_version__number")
    def version_number(self, obj):
        if obj.current_version_id is None:
            return "—"
        return f"v{obj.current_version.number}"

    @admin.display(description=_("Unpublished"), boolean=True)
    def unpublished_changes(self, obj):
        return obj.has_unpublished_changes

    # Saving ------------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        # Published versions are kept for the record (and patients' answers point at them).
        if obj is not None and obj.versions.exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model not in (Section, CheckQuestion):
            return super().save_formset(request, form, formset, change)
        # Positions are unique per module, so saving a swap (1↔2) row by row would collide
        # halfway. Rows whose position changed are first moved out of the way together.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        moving = [
            inline.instance.pk
            for inline in formset.initial_forms
            if "position" in inline.changed_data and inline not in formset.deleted_forms
        ]
        if moving:
            formset.model.objects.filter(pk__in=moving).update(
                position=F("position") + POSITION_SHIFT
            )
        for obj in instances:
            obj.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        module = form.instance
        content_changed = bool(set(form.changed_data) - WORKFLOW_FIELDS) or any(
            formset.has_changed()
            for formset in formsets
            if formset.model in (Section, CheckQuestion)
        )
        if "language" in form.changed_data:
            services.module_refresh_grades(module=module)
        if not change or not content_changed:
            return
        was_published = module.status == Module.Status.PUBLISHED
        services.module_record_edit(module=module, user=request.user)
        if was_published and module.current_version_id:
            self.message_user(
                request,
                gettext(
                    "“%(title)s” is now a draft. Patients keep reading version %(number)s "
                    "until this draft is reviewed and published."
                )
                % {"title": module.title, "number": module.current_version.number},
                messages.INFO,
            )

    # Actions -----------------------------------------------------------------------------

    def _run(self, request, queryset, action, done_message):
        done = 0
        for module in queryset:
            try:
                action(module)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Send to review"), permissions=["change"])
    def send_to_review(self, request, queryset):
        try:
            reviewer = self.action_form.base_fields["reviewer"].clean(
                request.POST.get("reviewer") or None
            )
        except ValidationError:
            self.message_user(
                request, gettext("Choose a reviewer from the list of clinicians."), messages.ERROR
            )
            return
        self._run(
            request,
            queryset,
            lambda module: services.module_submit_for_review(
                module=module, reviewer=reviewer, user=request.user
            ),
            lambda done: (
                ngettext(
                    "%(count)d module sent to review.", "%(count)d modules sent to review.", done
                )
                % {"count": done}
            ),
        )

    @admin.action(
        description=_("Publish (four eyes: not by its reviewer or last editor)"),
        permissions=["change"],
    )
    def publish(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda module: services.module_publish(module=module, publisher=request.user),
            lambda done: (
                ngettext(
                    "%(count)d module published. Patients now read the new version.",
                    "%(count)d modules published. Patients now read the new versions.",
                    done,
                )
                % {"count": done}
            ),
        )

    @admin.action(description=_("Retire (patients stop seeing it)"), permissions=["change"])
    def retire(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda module: services.module_retire(module=module),
            lambda done: (
                ngettext("%(count)d module retired.", "%(count)d modules retired.", done)
                % {"count": done}
            ),
        )

    # Preview -----------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="library_module_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """The module exactly as a patient will read it: the draft, or ?version=N."""
        module = get_object_or_404(Module.objects.select_related("current_version"), pk=object_id)
        if not self.has_view_permission(request, module):
            raise PermissionDenied
        versions = list(module.versions.order_by("-number").only("id", "number", "module_id"))
        requested = request.GET.get("version")
        if requested == "draft":
            version = None
        elif requested:
            version = next((v for v in versions if str(v.number) == requested), None)
            if version is None:
                raise Http404("No such version.")
        elif module.current_version_id and not module.has_unpublished_changes:
            # Nothing new in the draft: show what patients read now.
            version = module.current_version
        else:
            version = None
        if version is not None:
            snapshot = module.versions.get(pk=version.pk).snapshot
        else:
            snapshot = services.build_snapshot(module=module)
        return TemplateResponse(
            request,
            "admin/library/module/preview.html",
            {
                "module": module,
                "snapshot": snapshot,
                "version": version,
                "versions": versions,
                "change_url": reverse("admin:library_module_change", args=[module.pk]),
                "preview_url": reverse("admin:library_module_preview", args=[module.pk]),
            },
        )


@admin.register(ModuleVersion)
class ModuleVersionAdmin(admin.ModelAdmin):
    """Published versions, read-only: they are the record of what patients read."""

    list_display = [
        "module",
        "number",
        "published_at",
        "published_by",
        "reviewed_by",
        "section_count",
    ]
    list_select_related = ["module", "published_by", "reviewed_by"]
    list_filter = ["module__language", "module__topic"]
    search_fields = ["module__title", "module__slug"]
    ordering = ["module__title", "-number"]
    fields = [
        "module",
        "number",
        "published_at",
        "published_by",
        "reviewed_by",
        "section_count",
        "content_hash",
        "preview",
        "snapshot_json",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        url = reverse("admin:library_module_preview", args=[obj.module_id])
        return format_html(
            '<a href="{}?version={}">{}</a>', url, obj.number, gettext("Preview as a patient")
        )

    @admin.display(description=_("Snapshot"))
    def snapshot_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.snapshot, indent=2, ensure_ascii=False))
