"""The patient's request: the intake form and its validation, the all-or-nothing service that keeps a
request and its files, the patient's pages (form, confirmation, more files through a staff link) and
the e-mails that follow. The red-flag questions and tiers it asks are defined in `intake.rules`.

May import: `intake.uploads` (tus, staging, screening, upload handlers), `intake.processing.tasks` (to
queue work once a request is kept), and the app's base (`models`, `enums`, `rules`, `ratelimit`).
Never `intake.triage`."""
