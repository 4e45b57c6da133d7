"""Benchmark (not a test): summarise and preview a synthetic 500-slice MR study, zipped.

    .venv/bin/python bench/pipeline_bench.py [--runs 3] [--no-orthanc]

Builds 500 instances of 512x512 in 4 series from pydicom's MR_small.dcm (new UIDs, pixels upsampled),
zips them, then times `intake.imaging.process_file` in a fresh subprocess per run and records its peak
memory (VmHWM of that subprocess, and tracemalloc's peak of Python allocations). If Debian's
`Orthanc` is installed, the same zip is POSTed to a private Orthanc on 127.0.0.1 in the same run and
a preview of each series' middle instance is fetched, for a side-by-side time and peak RSS (VmHWM).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERIES = 4
INSTANCES = 500
SIDE = 512


def build_study(zip_path: Path) -> None:
    import numpy as np
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    source = pydicom.dcmread(Path(pydicom.__file__).parent / "data" / "test_files" / "MR_small.dcm")
    base = source.pixel_array.astype(np.uint16)
    factor = SIDE // base.shape[0]
    big = np.kron(base, np.ones((factor, factor), dtype=np.uint16))
    study_uid = generate_uid()
    per_series = INSTANCES // SERIES
    descriptions = ["T1 SAG", "T2 SAG", "T2 AX", "STIR SAG"]
    rng = np.random.default_rng(6)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for s in range(SERIES):
            series_uid = generate_uid()
            for i in range(per_series):
                ds = source.copy()
                ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
                ds.StudyInstanceUID = study_uid
                ds.SeriesInstanceUID = series_uid
                ds.SOPInstanceUID = generate_uid()
                ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
                ds.SeriesNumber = s + 1
                ds.SeriesDescription = descriptions[s]
                ds.BodyPartExamined = "LSPINE"
                ds.InstanceNumber = i + 1
                ds.SliceLocation = float(i * 4)
                ds.Rows = ds.Columns = SIDE
                # Shift each slice and add scanner-like noise, so slices differ and the zip
                # compresses about as much as a real CD (upsampled pixels alone compress 40x).
                noise = rng.integers(0, 24, size=big.shape, dtype=np.uint16)
                pixels = np.roll(big, i * 3, axis=1) + noise
                ds.PixelData = pixels.astype(np.uint16).tobytes()
                path = Path(zip_path.parent, "slice.dcm")
                ds.save_as(path, enforce_file_format=True)
                archive.write(path, f"DICOM/S{s + 1:02d}/IM{i + 1:04d}")
                path.unlink()


def peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM). ru_maxrss would include the parent's peak: Linux keeps
    it across fork and exec, and the parent built the study in memory."""
    status = Path("/proc/self/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        / 1024
    )


def run_pipeline_once(zip_path: Path) -> dict:
    """In this process (a fresh subprocess): process the zip, report time and peak memory."""
    import tracemalloc

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from intake.imaging import process_file

    rss_before = peak_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    result = process_file(zip_path)
    elapsed = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": rss_before,
        "traced_peak_mb": traced_peak / 1024**2,
        "studies": len(result.studies),
        "series": sum(len(s.series) for s in result.studies),
        "instances": result.instance_count,
        "previews": len(result.previews),
        "failures": len(result.failures),
    }


def run_pipeline_untraced(zip_path: Path) -> dict:
    """Time without tracemalloc's overhead; peak RSS is the process's high-water mark."""

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from intake.imaging import process_file

    started = time.perf_counter()
    result = process_file(zip_path)
    return {
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": peak_rss_mb(),
        "instances": result.instance_count,
        "previews": len(result.previews),
    }


def in_subprocess(mode: str, zip_path: Path) -> dict:
    output = subprocess.run(  # noqa: S603
        [sys.executable, __file__, mode, str(zip_path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# -- Orthanc --------------------------------------------------------------------------------------


def orthanc_run(zip_path: Path, workdir: Path, port: int = 18042) -> dict:
    storage = workdir / "orthanc-db"
    shutil.rmtree(storage, ignore_errors=True)
    config = workdir / "orthanc.json"
    config.write_text(
        json.dumps(
            {
                "Name": "bench",
                "StorageDirectory": str(storage),
                "IndexDirectory": str(storage),
                "HttpPort": port,
                "HttpBindAddress": "127.0.0.1",  # not an option in every version; RemoteAccess covers it
                "RemoteAccessAllowed": False,
                "AuthenticationEnabled": False,
                "DicomServerEnabled": False,
                "Plugins": [],
                "ConcurrentJobs": 2,
            }
        )
    )
    process = subprocess.Popen(  # noqa: S603
        ["/usr/sbin/Orthanc", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/system", timeout=1).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.05)
        data = zip_path.read_bytes()
        started = time.perf_counter()
        request = urllib.request.Request(f"{base}/instances", data=data, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/zip")
        stored = json.loads(urllib.request.urlopen(request, timeout=600).read())  # noqa: S310
        series_ids = json.loads(urllib.request.urlopen(f"{base}/series", timeout=60).read())  # noqa: S310
        previews = 0
        for series_id in series_ids:
            instances = json.loads(
                urllib.request.urlopen(f"{base}/series/{series_id}/instances", timeout=60).read()  # noqa: S310
            )
            instances.sort(key=lambda i: int(i["MainDicomTags"].get("InstanceNumber", "0")))
            middle = instances[len(instances) // 2]["ID"]
            png = urllib.request.urlopen(f"{base}/instances/{middle}/preview", timeout=60).read()  # noqa: S310
            previews += png.startswith(b"\x89PNG")
        elapsed = time.perf_counter() - started
        status = Path(f"/proc/{process.pid}/status").read_text()
        hwm_kb = int(
            next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
        )
        return {
            "seconds": elapsed,
            "peak_rss_mb": hwm_kb / 1024,
            "instances": len(stored) if isinstance(stored, list) else 1,
            "series": len(series_ids),
            "previews": previews,
        }
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(storage, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-orthanc", action="store_true")
    args = parser.parse_args()
    orthanc = not args.no_orthanc and Path("/usr/sbin/Orthanc").exists()
    with tempfile.TemporaryDirectory(prefix="backcare-bench-") as tmp:
        workdir = Path(tmp)
        zip_path = workdir / "study.zip"
        started = time.perf_counter()
        build_study(zip_path)
        print(
            f"built {INSTANCES} x {SIDE}x{SIDE} in {SERIES} series: {zip_path.stat().st_size / 1024**2:.0f} MB "
            f"zipped, {sum(i.file_size for i in zipfile.ZipFile(zip_path).infolist()) / 1024**2:.0f} MB "
            f"unzipped ({time.perf_counter() - started:.1f} s)"
        )
        ours, traced, theirs = [], [], []
        for _ in range(args.runs):
            ours.append(in_subprocess("--child", zip_path))
            traced.append(in_subprocess("--child-traced", zip_path))
            if orthanc:
                theirs.append(orthanc_run(zip_path, workdir))
        report("BackCare pipeline", ours)
        report("BackCare pipeline under tracemalloc", traced)
        if orthanc:
            report("Orthanc POST /instances + a preview per series", theirs)
            speedup = statistics.median(r["seconds"] for r in theirs) / statistics.median(
                r["seconds"] for r in ours
            )
            print(f"speed-up over Orthanc (median): {speedup:.1f}x")
        else:
            print("Orthanc: not installed (apt-get install orthanc), comparison skipped")


def report(label: str, runs: list[dict]) -> None:
    print(f"{label}: {json.dumps(runs[-1])}")
    seconds = sorted(r["seconds"] for r in runs)
    print(
        f"  median {statistics.median(seconds):.2f} s (min {seconds[0]:.2f}, max {seconds[-1]:.2f}), "
        f"peak RSS max {max(r['peak_rss_mb'] for r in runs):.0f} MB over {len(runs)} run(s)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(run_pipeline_untraced(Path(sys.argv[2]))))
    elif len(sys.argv) == 3 and sys.argv[1] == "--child-traced":
        print(json.dumps(run_pipeline_once(Path(sys.argv[2]))))
    else:
        main()
