"""The patient's request: the intake form and its validation, the all-or-nothing service that keeps a
request and its files, the patient's pages (form, confirmation, more files through a staff link, the
review letter through its signed link), the e-mails that follow, and the review letter itself
(`letters.py`), which triage's preview renders too. The red-flag questions and tiers it asks are defined in `intake.rules`.

May import: `intake.uploads` (tus, staging, screening, upload handlers), `intake.processing.tasks` (to
queue work once a request is kept), and the app's base (`models`, `enums`, `rules`, `ratelimit`).
Never `intake.triage`."""
