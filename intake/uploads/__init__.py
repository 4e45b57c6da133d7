"""Uploads: resumable (tus) uploads and their staging area, the quick screen of a file's header at
upload time, the upload handlers that stream the plain form's files, and private storage (local or S3).

May import: `intake.imaging` (the screens) and the app's base (`models`, `enums`, `rules`,
`ratelimit`). Never `intake.request`, `intake.processing` or `intake.triage`."""
