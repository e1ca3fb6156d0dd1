from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rendering


class ModuleQuerySet(models.QuerySet):
    def published(self):
        """Modules patients can read: they have a current version and are not retired.

        Status alone is not enough: editing a published module puts it back to draft while
        patients keep reading its current version. This is the only place that rule lives.
        """
        return self.filter(Module.published_q())


class Module(models.Model):
    """A reading module as editors work on it. Patients read its published ModuleVersion."""

    class Topic(models.TextChoices):
        IMMUNOTHERAPY = "immunotherapy", _("Immunotherapy")
        VACCINATION_SAFETY = "vaccination-safety", _("Vaccination safety")
        GENERAL = "general", _("General")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved, waiting to be published")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=32, choices=Topic.choices, db_index=True)
    summary = models.TextField(max_length=1000, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    reading_grade = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    sources = models.JSONField(default=list, blank=True, help_text=_("Public sources, by name."))
    last_reviewed = models.DateField(null=True, blank=True)
    translation_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="translations"
    )
    current_version = models.ForeignKey(
        "ModuleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The version patients read now."),
    )
    has_unpublished_changes = models.BooleanField(default=True)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The clinician who reviewed the current draft."),
    )
    draft_editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text=_("Everyone who changed the draft since it was last published."),
    )
    next_review_on = models.DateField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When the published text is due for its next clinical review."),
    )
    source_hash = models.CharField(max_length=64, blank=True, help_text=_("Set by load_library."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "language"])]
        permissions = [("review_module", _("Can review and approve modules"))]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (update_fields is None or "reading_grade" in update_fields):
            self.reading_grade = self.compute_reading_grade()
        super().save(*args, **kwargs)

    @staticmethod
    def published_q(prefix: str = "") -> Q:
        """The published rule as a condition, for a query that already joins the module:
        `prefix` is the path to it ("module__" from an assignment). Filtering on the joined
        row, rather than `module__in=Module.objects.published()`, adds no table to the query.
        """
        return Q(**{f"{prefix}current_version__isnull": False}) & ~Q(
            **{f"{prefix}status": Module.Status.RETIRED}
        )

    def compute_reading_grade(self):
        """Grade of all sections read in order, each with its caregiver note after its body
        (None before the module has any text). Caregiver notes count: they are held to the
        same targets as the text every patient reads."""
        sections = self.sections.order_by("position").only("body_markdown", "caregiver_markdown")
        return rendering.combined_reading_grade(reading_texts(sections), language=self.language)

    def refresh_reading_grade(self) -> None:
        self.reading_grade = self.compute_reading_grade()
        Module.objects.filter(pk=self.pk).update(reading_grade=self.reading_grade)


def reading_texts(sections) -> list[str]:
    """The Markdown of `sections` as it is read: each body, then its caregiver note if any.
    What the module's grade and SMOG measure, so caregiver notes meet the same targets."""
    return [
        text
        for section in sections
        for text in (section.body_markdown, section.caregiver_markdown)
        if text
    ]


class Section(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField(max_length=20000)
    caregiver_markdown = models.TextField(
        _("caregiver note"),
        max_length=10000,
        blank=True,
        help_text=_(
            "Optional. Markdown for the person who looks after the patient (“If you look after "
            "someone who…”). Shown after the section only when the reading is assigned for the "
            "caregiver too, or a caregiver is reading. In a module file: a “::: caregiver” "
            "block."
        ),
    )
    reading_grade = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    caregiver_reading_grade = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta:
        ordering = ["module", "position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "position"], name="section_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def save(self, *args, **kwargs):
        self.reading_grade = rendering.markdown_reading_grade(
            self.body_markdown, language=self.module.language
        )
        self.caregiver_reading_grade = (
            rendering.markdown_reading_grade(self.caregiver_markdown, language=self.module.language)
            if self.caregiver_markdown.strip()
            else None
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "reading_grade" in update_fields:
            kwargs["update_fields"] = {*update_fields, "caregiver_reading_grade"}
        super().save(*args, **kwargs)
        self.module.refresh_reading_grade()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.module.refresh_reading_grade()
        return result


class CheckQuestion(models.Model):
    """A comprehension check (teach-back): 3-4 choices, an explanation, and either one right
    choice (`correct_index`) or, for a "choose all that apply" question, every right choice
    (`correct_indexes`; `correct_index` then holds the first of them)."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="checks")
    position = models.PositiveSmallIntegerField(default=1)
    prompt = models.CharField(max_length=500)
    choices = models.JSONField(default=list)
    correct_index = models.PositiveSmallIntegerField()
    correct_indexes = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Only for a “choose all that apply” question: the numbers of every right choice, "
            "counting from 0, like [0, 2]. Leave empty when one choice is right."
        ),
    )
    explanation = models.TextField(max_length=1000)

    class Meta:
        ordering = ["module", "position"]
        constraints = [
            models.UniqueConstraint(fields=["module", "position"], name="check_unique_position")
        ]

    def __str__(self) -> str:
        return self.prompt

    def clean(self):
        if not isinstance(self.choices, list) or not 3 <= len(self.choices) <= 4:
            raise ValidationError({"choices": _("Give 3 or 4 choices.")})
        if not all(isinstance(choice, str) and choice.strip() for choice in self.choices):
            raise ValidationError({"choices": _("Every choice needs some text.")})
        if self.correct_index is not None and self.correct_index >= len(self.choices):
            raise ValidationError({"correct_index": _("Pick the number of one of the choices.")})
        if self.correct_indexes in (None, ""):
            self.correct_indexes = []
        if not isinstance(self.correct_indexes, list) or not all(
            isinstance(index, int)
            and not isinstance(index, bool)
            and 0 <= index < len(self.choices)
            for index in self.correct_indexes
        ):
            raise ValidationError(
                {"correct_indexes": _("List the numbers of the right choices, like [0, 2].")}
            )
        if len(set(self.correct_indexes)) != len(self.correct_indexes):
            raise ValidationError({"correct_indexes": _("Give each right choice once.")})
        if self.correct_indexes:
            self.correct_indexes = sorted(self.correct_indexes)
            self.correct_index = self.correct_indexes[0]

    @property
    def is_multiple(self) -> bool:
        """A “choose all that apply” question."""
        return bool(self.correct_indexes)


class ModuleVersion(models.Model):
    """An immutable published snapshot: exactly what patients read and answered.

    snapshot = {"title", "summary", "language", "topic", "estimated_minutes", "reading_grade",
                "sources": [{"name", "url", "checked"}], "last_reviewed",
                "sections": [{"position", "title", "body_markdown", "html", "reading_grade"}
                             + "caregiver_markdown", "caregiver_html",
                             "caregiver_reading_grade" for a section with a caregiver note],
                "checks": [{"position", "prompt", "choices", "correct_index", "explanation"}
                           + "correct_indexes" for a "choose all that apply" question],
                "demo": bool, "review": {"name", "role", "reviewed_on", "next_review"} | None}
    Versions published before sources had links hold plain names in "sources", and no "demo"
    or "review": they show no review line.
    """

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField()
    section_count = models.PositiveSmallIntegerField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["module", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["module", "number"], name="version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.module_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("A published version never changes. Publish a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A published version is kept for the record and cannot be deleted.")

    @property
    def sections(self) -> list[dict]:
        return self.snapshot.get("sections", [])

    @property
    def checks(self) -> list[dict]:
        return self.snapshot.get("checks", [])


class ModuleReview(models.Model):
    """One round of review: an editor asks a named reviewer to check the draft, and the
    reviewer approves it or asks for changes. Kept with the version it led to, so the
    history shows who wrote, who reviewed, who published and what was said."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for the reviewer")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes asked for")
        WITHDRAWN = "withdrawn", _("Withdrawn (the draft changed)")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="reviews")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(max_length=2000, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(
        max_length=20, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(max_length=4000, blank=True)
    writers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text=_("Who changed the draft that was reviewed."),
    )
    version = models.ForeignKey(
        ModuleVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        help_text=_("The version this review led to, once published."),
    )

    class Meta:
        ordering = ["module", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["module"],
                condition=Q(decision="pending"),
                name="review_one_pending_per_module",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} — {self.get_decision_display()}"
