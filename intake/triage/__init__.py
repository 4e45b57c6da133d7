"""Triage, the staff side: the admin (queue, filters, actions, fieldsets), the status workflow and
who may make each move, the staff roles, downloads and previews for staff, the access log, the CSV
export, links asking a patient for more files, the surgeon's review (signing it, previewing and
sending its letter), and sending a study to the clinic's PACS (`pacs.py`, `pacs_admin.py`, the task
in `tasks.py`). Retention is `manage.py apply_retention`.

May import every other room (`request`, `uploads`, `processing`, `imaging`) and the app's base; the
red flags staff see come from `intake.request.red_flags`.
Nothing imports it back, except the project's admin site (its home counts) and `intake.admin`/`urls`."""
