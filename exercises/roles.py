"""The clinical reviewer role: who may record that an exercise or routine was checked.

Created by migration 0002_content_review. Give it to clinicians only; they also need a full name on
their staff account, because the public pages show it.
"""

from backcare.roles import set_role

CLINICAL_REVIEWER = "Clinical reviewer"

CLINICAL_REVIEWER_PERMISSIONS = [
    "record_review",
    "view_contentreview",
    "view_exercise",
    "view_step",
    "view_routine",
    "view_routineitem",
    # Home programmes for one patient (exercises.player): clinicians make them.
    "add_programme",
    "change_programme",
    "delete_programme",
    "view_programme",
    "add_programmeitem",
    "change_programmeitem",
    "delete_programmeitem",
    "view_programmeitem",
]


def create_clinical_reviewer_role(apps) -> None:
    """Create (or reset) the group; `apps` is a migration's app registry or django.apps.apps."""
    set_role(apps, CLINICAL_REVIEWER, "exercises", CLINICAL_REVIEWER_PERMISSIONS)
