"""MRI review requests, one Django app with one package per concern ("room"); see README, "Layout".

    triage -> request -> uploads | processing -> base -> imaging

The app's base beside the rooms: `models`, `enums`, `rules` (limits, accepted kinds, file names,
the callback promise), `files` (file bookkeeping), `ratelimit`, `db_roles`, `task_leases`, and the
files Django looks for (`apps`, `admin`, `urls`, `management/`, `migrations/`, `templates/`,
`templatetags/`, `static/`). The base imports no room but `imaging`: the red-flag questions are the
request room's (`intake.request.red_flags`), and the model stores the tier the request room works out.
"""
