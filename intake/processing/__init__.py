"""Processing: the background task that runs the imaging library on one kept upload and keeps what
it found (studies, series, previews, documents, photos, checks) on the upload's rows.

May import: `intake.imaging` and the app's base
(`models`, `enums`, `rules`). Never `intake.request` or `intake.triage`."""
