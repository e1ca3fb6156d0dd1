"""Examples for the assignments API's OpenAPI description (apps/assignments/api.py), kept apart
so the endpoints read as code."""

from drf_spectacular.utils import OpenApiExample

from .services import ALREADY_OPEN_MESSAGE

ASSIGNMENT_EXAMPLE = {
    "id": 7,
    "patient": 12,
    "patient_name": "Pat Jones",
    "module": "immunotherapy-side-effects",
    "module_title": "Side effects of immunotherapy",
    "status": "in_progress",
    "assigned_by": 3,
    "assigned_at": "2026-11-18T10:00:00Z",
    "due_on": "2026-11-25",
    "note": "Please read before your next infusion.",
    "is_overdue": False,
    "sections_viewed": 2,
    "sections_total": 4,
    "started_at": "2026-11-19T08:12:00Z",
    "completed_at": None,
    "cancelled_at": None,
    "last_activity_at": "2026-11-19T08:20:00Z",
    "check_failed": False,
    "for_caregiver": False,
}
DETAIL_EXAMPLE = {
    **ASSIGNMENT_EXAMPLE,
    "version": 3,
    "sections": [
        {"position": 1, "title": "Why side effects happen", "viewed": True},
        {"position": 2, "title": "Common side effects", "viewed": True},
        {"position": 3, "title": "When to call us straight away", "viewed": False},
        {"position": 4, "title": "Looking after yourself", "viewed": False},
    ],
    "resume_position": 3,
    "latest_check": None,
}

LIST_EXAMPLES = [OpenApiExample("An assignment", value=ASSIGNMENT_EXAMPLE, response_only=True)]
RETRIEVE_EXAMPLES = [OpenApiExample("Half read", value=DETAIL_EXAMPLE, response_only=True)]
CREATE_EXAMPLES = [
    OpenApiExample(
        "Assign with a due date",
        value={
            "patient": 12,
            "module": "immunotherapy-side-effects",
            "due_on": "2026-11-25",
            "note": "Please read before your next infusion.",
            "for_caregiver": True,
        },
        request_only=True,
    ),
    OpenApiExample(
        "Already open",
        value={"module": [str(ALREADY_OPEN_MESSAGE)]},
        response_only=True,
        status_codes=["400"],
    ),
]
UPDATE_EXAMPLES = [
    OpenApiExample("A later date", value={"due_on": "2026-12-02"}, request_only=True)
]
BULK_EXAMPLES = [
    OpenApiExample(
        "Two patients, one module",
        value={
            "patients": [12, 14],
            "modules": ["immunotherapy-side-effects"],
            "due_on": "2026-12-04",
        },
        request_only=True,
    ),
    OpenApiExample(
        "One assigned, one already open",
        value={
            "created": [{"id": 51, "patient": 12, "module": "immunotherapy-side-effects"}],
            "skipped": [{"id": 40, "patient": 14, "module": "immunotherapy-side-effects"}],
        },
        response_only=True,
        status_codes=["201"],
    ),
]
PROGRESS_EXAMPLES = [
    OpenApiExample("Section 3 opened", value={"section": 3}, request_only=True),
    OpenApiExample(
        "No such section",
        value={"section": ["There is no section 9 in this reading."]},
        response_only=True,
        status_codes=["400"],
    ),
]
CHECK_EXAMPLES = [
    OpenApiExample("Two questions", value={"answers": [1, 0]}, request_only=True),
    OpenApiExample(
        "One wrong",
        value={
            "score": 1,
            "total": 2,
            "passed": False,
            "submitted_at": "2026-11-19T08:30:00Z",
            "answers": [
                {
                    "position": 1,
                    "prompt": "When should you call the 24-hour line?",
                    "choices": ["Never", "For any new rash or diarrhoea", "Next week"],
                    "multiple": False,
                    "chosen_index": 1,
                    "correct_index": 1,
                    "chosen_indexes": [1],
                    "correct_indexes": [1],
                    "is_correct": True,
                    "explanation": "New side effects can get worse quickly.",
                },
                {
                    "position": 2,
                    "prompt": "Can side effects start months later?",
                    "choices": ["Yes", "No", "Only in winter"],
                    "multiple": False,
                    "chosen_index": 1,
                    "correct_index": 0,
                    "chosen_indexes": [1],
                    "correct_indexes": [0],
                    "is_correct": False,
                    "explanation": "They can start during or after treatment.",
                },
            ],
        },
        response_only=True,
        status_codes=["201"],
    ),
]

WALLET_CARD_EXAMPLES = [
    OpenApiExample(
        "With a treatment name",
        value={
            "treatment_name": "pembrolizumab (Keytruda)",
            "care_team_phone": "555-0100",
            "emergency_number": "911",
        },
        response_only=True,
    )
]
TREATMENT_UPDATE_EXAMPLES = [
    OpenApiExample("Set", value={"treatment_name": "nivolumab (Opdivo)"}, request_only=True),
    OpenApiExample(
        "Markup refused",
        value={
            "treatment_name": [
                "Type the name only, without < or > signs. For example: pembrolizumab (Keytruda)."
            ]
        },
        response_only=True,
        status_codes=["400"],
    ),
]
