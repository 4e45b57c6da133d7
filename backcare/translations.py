"""`make lint`'s translation check: every Spanish string translated, none fuzzy.

    python -m backcare.translations            # every .po file under locale/ and <app>/locale/
    python -m backcare.translations FILE.po …  # just these

msgfmt (Debian's gettext) counts them; a fuzzy string is one makemessages guessed from a similar
old one, so a person must check it before it reaches a patient.
"""

import re
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIRS = ("locale", "intake/locale", "exercises/locale")


def catalogue_problems(po_file: Path) -> str | None:
    """What is wrong with one .po file, in a sentence, or None when it is complete."""
    command = ["msgfmt", "--check", "--statistics", "--output-file=/dev/null", str(po_file)]
    result = subprocess.run(  # noqa: S603 - Debian's msgfmt (from PATH) on our own files
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"{po_file}: msgfmt failed: {result.stderr.strip()}"
    fuzzy = re.search(r"(\d+) fuzzy", result.stderr)
    untranslated = re.search(r"(\d+) untranslated", result.stderr)
    counts = [
        f"{match.group(1)} {kind}"
        for match, kind in ((fuzzy, "fuzzy"), (untranslated, "untranslated"))
        if match
    ]
    return f"{po_file}: {', '.join(counts)} string(s)" if counts else None


def spanish_catalogues() -> list[Path]:
    return sorted(
        po for directory in LOCALE_DIRS for po in (BASE_DIR / directory).glob("es/LC_MESSAGES/*.po")
    )


def main(arguments: list[str]) -> int:
    files = [Path(argument) for argument in arguments] or spanish_catalogues()
    if not files:
        print("No Spanish catalogues (es/LC_MESSAGES/*.po) found.", file=sys.stderr)
        return 1
    problems = [problem for po in files if (problem := catalogue_problems(po))]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
