"""Screen or process one upload in this process and print, as JSON, how far its memory grew.

    python -m tests.memory_probe screen|process PATH [KIND]

Run by tests/test_attacks_memory.py in a subprocess, so the peak it reads (VmHWM, reset first) is
that of the code under test alone. Before the measured run it screens and processes a real CD once,
so that imports and first-use allocations (numpy, pydicom's decoders, Pillow) are not counted.
"""

import io
import json
import os
import sys
import zipfile
from pathlib import Path


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main() -> None:
    mode, path, kind = sys.argv[1], sys.argv[2], (sys.argv[3:] or ["zip"])[0]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
    import django

    django.setup()
    from intake.imaging import process_file
    from intake.rules import FileKind
    from intake.uploads.screening import screen_file
    from tests.factories import mr_small_bytes, zipped_dicom_cd

    warm = io.BytesIO()
    with zipfile.ZipFile(warm, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("IM0001", mr_small_bytes())
    for content in (warm.getvalue(), zipped_dicom_cd()):
        screen_file(io.BytesIO(content), FileKind.ZIP)
        process_file(io.BytesIO(content), kind=FileKind.ZIP)

    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from the current RSS
    before = status_kb("VmRSS")
    with open(path, "rb") as upload:
        if mode == "screen":
            found = {"refusal": screen_file(upload, FileKind(kind))}
        else:
            result = process_file(upload, kind=FileKind(kind))
            found = {
                "outcome": str(result.outcome),
                "reason": result.reason,
                "failures": [[f.name, f.reason] for f in result.failures],
                "notes": list(result.notes),
                "previews": len(result.previews),
            }
    print(json.dumps({"growth_mb": (status_kb("VmHWM") - before) / 1024, **found}))


if __name__ == "__main__":
    main()
