"""The patient's request: the intake form and its validation, the all-or-nothing service that keeps a
request and its files (and works out its safety tier), the patient's pages (form, confirmation, more
files through a staff link, the review letter through its signed link), the e-mails that follow, the
review letter itself (`letters.py`, which triage's preview renders too), and the red-flag rules
(`red_flags.py`: the safety questions, their tiers, what the patient is told and what staff see). The form validates
(its cleaned values carry the accepted files and the uploads found), the service writes, and the
markup is in templates (`intake/templates/intake/`, the form's pieces in `form/`).

May import: `intake.uploads` (tus, staging, screening, upload handlers), `intake.processing.tasks` (to
queue work once a request is kept), and the app's base (`models`, `enums`, `rules`, `ratelimit`).
Never `intake.triage`."""
