"""The library in the Django admin: where editors write, review, publish and retire modules.

Every workflow step calls services.py, so the four-eyes rule and version immutability hold
here exactly as they do for load_library.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import PortalTabularInline, ReadOnlyAdminMixin

from . import diffing, selectors, services
from .forms import (
    CheckQuestionAdminForm,
    LibraryActionForm,
    ModuleAdminForm,
    ReviewDecisionForm,
    ReviewRequestForm,
)
from .models import CheckQuestion, Module, ModuleReview, ModuleVersion, Section

# Patients should manage at this grade or below (most health literacy guidance says 6-8).
GRADE_WARNING_ABOVE = 8
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
    fields = [
        "position",
        "title",
        "body_markdown",
        "grade",
        "caregiver_markdown",
        "caregiver_grade",
    ]
    readonly_fields = ["grade", "caregiver_grade"]

    @admin.display(description=_("Reading grade"))
    def grade(self, obj):
        return grade_label(obj.reading_grade) if obj.pk else "—"

    @admin.display(description=_("Reading grade of the caregiver note"))
    def caregiver_grade(self, obj):
        return grade_label(obj.caregiver_reading_grade) if obj.pk else "—"


class CheckQuestionInline(admin.StackedInline):
    model = CheckQuestion
    form = CheckQuestionAdminForm
    extra = 0
    ordering = ["position"]
    verbose_name = _("comprehension check")
    verbose_name_plural = _("comprehension checks")


class ReviewDueFilter(admin.SimpleListFilter):
    title = _("review due")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue for review")),
            ("due", _("Due within a month or overdue")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(pk__in=selectors.module_list_overdue_for_review())
        if self.value() == "due":
            return queryset.filter(pk__in=selectors.module_list_due_for_review())
        return queryset


class WaitingForMeFilter(admin.SimpleListFilter):
    title = _("my reviews")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("me", _("Waiting for my review"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(
                pk__in=selectors.module_list_waiting_for_reviewer(user=request.user)
            )
        return queryset


class ModuleReviewInline(ReadOnlyAdminMixin, PortalTabularInline):
    """The review history: who wrote, who reviewed, what they said, which version it led to."""

    model = ModuleReview
    extra = 0
    fields = [
        "requested_at",
        "requested_by",
        "written_by",
        "note",
        "reviewer",
        "decision",
        "decided_at",
        "comment",
        "version",
    ]
    readonly_fields = fields
    verbose_name = _("review")
    verbose_name_plural = _("reviews (read-only)")
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("requested_by", "reviewer", "version")
            .prefetch_related("writers")
        )

    @admin.display(description=_("Written by"))
    def written_by(self, obj):
        return ", ".join(user.get_full_name() or user.email for user in obj.writers.all()) or "—"


class ModuleVersionInline(ReadOnlyAdminMixin, PortalTabularInline):
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
        "next_review_on",
        "preview_link",
    ]
    list_select_related = ["current_version"]
    list_filter = [
        WaitingForMeFilter,
        ReviewDueFilter,
        "status",
        "topic",
        "language",
        "has_unpublished_changes",
    ]
    search_fields = ["title", "slug", "summary"]
    ordering = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "status",
        "reviewed_by",
        "next_review_on",
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
        (
            _("Sources and review"),
            {"fields": ["sources", "last_reviewed", "reviewed_by", "next_review_on"]},
        ),
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
    inlines = [SectionInline, CheckQuestionInline, ModuleReviewInline, ModuleVersionInline]
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

    @admin.display(description=_("Preview"))
    def preview_link(self, obj):
        url = reverse("admin:library_module_preview", args=[obj.pk])
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            url,
            gettext("Preview"),
            obj.title,
        )

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
        if not change:
            obj.draft_editors.add(request.user)

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
        content_changed = bool(form.changed_data) or any(
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
            reviewer = None
        if reviewer is None:
            self.message_user(
                request, gettext("Choose a reviewer from the list of reviewers."), messages.ERROR
            )
            return
        self._run(
            request,
            queryset,
            lambda module: services.review_request(
                module=module, reviewer=reviewer, requested_by=request.user
            ),
            lambda done: (
                ngettext(
                    "%(count)d module sent to review.", "%(count)d modules sent to review.", done
                )
                % {"count": done}
            ),
        )

    @admin.action(description=_("Publish (approved modules only)"), permissions=["change"])
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
        def view(function, name):
            return path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(function),
                name=f"library_module_{name}",
            )

        return [
            view(self.preview_view, "preview"),
            view(self.send_for_review_view, "send_for_review"),
            view(self.review_view, "review"),
            view(self.publish_view, "publish"),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            module = self.get_object(request, object_id)
            if module is not None:
                extra_context["review_tools"] = self._review_tools(request, module)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _review_tools(self, request, module: Module) -> dict:
        """Which review steps this user may take on this module now."""
        user = request.user
        may_edit = self.has_change_permission(request, module)
        is_reviewer = module.reviewed_by_id == user.pk
        return {
            "send": may_edit
            and module.status in (Module.Status.DRAFT, Module.Status.PUBLISHED)
            and module.has_unpublished_changes,
            "review": module.status == Module.Status.IN_REVIEW and is_reviewer,
            "compare": True,
            "publish": module.status == Module.Status.APPROVED and (may_edit or is_reviewer),
        }

    def _module_or_404(self, request, object_id) -> Module:
        module = get_object_or_404(
            Module.objects.select_related("current_version", "reviewed_by"), pk=object_id
        )
        if not self.has_view_permission(request, module):
            raise PermissionDenied
        return module

    def _change_url(self, module: Module) -> str:
        return reverse("admin:library_module_change", args=[module.pk])

    def _render(self, request, template: str, module: Module, context: dict):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "module": module,
                "original": module,
                "change_url": self._change_url(module),
                **context,
            },
        )

    def send_for_review_view(self, request, object_id):
        """The editor names a reviewer (and may leave a note); the reviewer is emailed."""
        module = self._module_or_404(request, object_id)
        if not self.has_change_permission(request, module):
            raise PermissionDenied
        writers = services.draft_writers(module=module) | {request.user.pk}
        form = ReviewRequestForm(request.POST or None, writers=writers)
        if request.method == "POST" and form.is_valid():
            try:
                services.review_request(
                    module=module,
                    reviewer=form.cleaned_data["reviewer"],
                    requested_by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    gettext("“%(title)s” was sent to %(name)s for review. They get an email.")
                    % {
                        "title": module.title,
                        "name": module.reviewed_by.get_full_name() or module.reviewed_by.email,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(module))
        return self._render(
            request,
            "admin/library/module/send_for_review.html",
            module,
            {"title": gettext("Send for review"), "form": form},
        )

    def review_view(self, request, object_id):
        """What changed against the published version, and (for the named reviewer, while
        the module waits for them) the approve / ask-for-changes form."""
        module = self._module_or_404(request, object_id)
        published = module.current_version.snapshot if module.current_version_id else None
        diff = diffing.snapshot_diff(published, services.build_snapshot(module=module))
        may_decide = self._review_tools(request, module)["review"]
        form = ReviewDecisionForm(request.POST or None) if may_decide else None
        if request.method == "POST":
            if form is None:
                raise PermissionDenied
            if form.is_valid():
                comment = form.cleaned_data["comment"]
                try:
                    if form.cleaned_data["decision"] == ReviewDecisionForm.APPROVE:
                        services.module_approve(
                            module=module, reviewer=request.user, comment=comment
                        )
                        done = gettext("You approved “%(title)s”. It can be published now.")
                    else:
                        services.module_request_changes(
                            module=module, reviewer=request.user, comment=comment
                        )
                        done = gettext("You asked for changes to “%(title)s”.")
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, done % {"title": module.title}, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(module))
        return self._render(
            request,
            "admin/library/module/review.html",
            module,
            {
                "title": gettext("Review “%(title)s”") % {"title": module.title},
                "diff": diff,
                "form": form,
                "pending": module.reviews.filter(decision=ModuleReview.Decision.PENDING)
                .select_related("requested_by")
                .first(),
                "preview_url": reverse("admin:library_module_preview", args=[module.pk]),
            },
        )

    def publish_view(self, request, object_id):
        """Publish an approved module: its reviewer or an editor, by POST only."""
        module = self._module_or_404(request, object_id)
        if not self._review_tools(request, module)["publish"]:
            raise PermissionDenied
        if request.method != "POST":
            return self._render(
                request,
                "admin/library/module/publish_confirm.html",
                module,
                {"title": gettext("Publish “%(title)s”") % {"title": module.title}},
            )
        try:
            version = services.module_publish(module=module, publisher=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("“%(title)s” version %(number)s is published. Patients read it now.")
                % {"title": module.title, "number": version.number},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(module))

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
class ModuleVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        url = reverse("admin:library_module_preview", args=[obj.module_id])
        return format_html(
            '<a href="{}?version={}">{}</a>', url, obj.number, gettext("Preview as a patient")
        )

    @admin.display(description=_("Snapshot"))
    def snapshot_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.snapshot, indent=2, ensure_ascii=False))
