"""The two staff roles and exactly what each may do; `create_staff_user` resets them. Migration
0002_triage made them from a frozen copy of this list; README "Roles"."""

from backcare.roles import set_role

ROLES: dict[str, list[str]] = {
    "Intake coordinator": [
        "view_reviewrequest",
        "change_reviewrequest",  # move through the workflow, ask the patient for more files
        "assign_reviewrequest",
        "view_upload",
        "download_upload",
        "add_note",
        "view_note",
        "view_surgeonreview",
        "view_reviewletter",
        "send_review_letter",  # after opening the letter's preview
        "send_to_pacs",  # reconcile with the clinic's MRN and send the study (0015_pacs_send)
        "view_pacssend",
    ],
    "Reviewing surgeon": [
        "view_reviewrequest",
        "view_upload",
        "download_upload",
        "add_note",
        "view_note",
        "view_surgeonreview",
        "sign_review",  # a signed review moves the request to "reviewed" (intake.triage.review)
        "view_reviewletter",
        "send_review_letter",
        "view_pacssend",  # sees what went to the PACS; the coordinator sends
    ],
}


def create_roles(apps) -> None:
    """Create (or reset) the role groups; `apps` is a migration's app registry or django.apps.apps."""
    for name, codenames in ROLES.items():
        set_role(apps, name, "intake", codenames)
