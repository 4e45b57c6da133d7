"""Exercise pages against a bare view of the same size, with wrk, in the same run.

For each page (the library, one exercise, one routine) wrk measures the page, then the baseline view
(/_bench/bytes/<the page's length>), then the page with If-None-Match (the 304 path) against the
baseline with an empty body. Rounds alternate page and baseline so a burst of load from elsewhere on a
shared machine falls on both; each figure is the median over rounds.
"""

import re
import statistics
import subprocess
import urllib.request

WRK_LINE = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: float, headers: tuple[str, ...] = ()) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(  # noqa: S603 - wrk with our own arguments, against 127.0.0.1
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    latency = {p: float(v) * UNITS[u] for p, v, u in WRK_LINE.findall(out)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency["50"],
        "p99_ms": latency["99"],
        "http_errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - 127.0.0.1 only
        return response.read(), response.headers["ETag"]


def pages(base_url: str) -> dict[str, str]:
    library, _ = fetch(base_url + "/exercises/")
    html = library.decode()
    exercise = re.search(r'href="(/exercises/(?!routines/)[a-z0-9-]+/)"', html).group(1)
    routine = re.search(r'href="(/exercises/routines/[a-z0-9-]+/)"', html).group(1)
    return {"library": "/exercises/", "exercise": exercise, "routine": routine}


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")} | {
        "http_errors": sum(r["http_errors"] for r in runs)
    }


def run(ctx) -> dict:
    base = ctx.server.base_url
    seconds = ctx.seconds
    targets: dict[str, tuple[str, tuple[str, ...]]] = {}
    sizes = {}
    for name, path in pages(base).items():
        body, etag = fetch(base + path)
        sizes[name] = len(body)
        targets[name] = (path, ())
        targets[f"{name} baseline"] = (f"/_bench/bytes/{len(body)}", ())
        targets[f"{name} 304"] = (path, (f"If-None-Match: {etag}",))
    targets["304 baseline"] = ("/_bench/bytes/0", ())
    # Warm every process (template loading, the first connection to Postgres) before measuring.
    wrk(base + "/exercises/", 1)
    samples: dict[str, list[dict]] = {name: [] for name in targets}
    for _ in range(ctx.rounds):
        for name, (path, headers) in targets.items():
            samples[name].append(wrk(base + path, seconds, headers))
    medians = {name: _median(runs) for name, runs in samples.items()}
    result = {"wrk": "wrk -t2 -c16 --latency", "seconds_per_run": seconds, "rounds": ctx.rounds}
    table = []
    for name in sizes:
        page, baseline = medians[name], medians[f"{name} baseline"]
        not_modified, empty = medians[f"{name} 304"], medians["304 baseline"]
        result[name] = {
            "path": targets[name][0],
            "bytes": sizes[name],
            "page": page,
            "baseline": baseline,
            "ratio": round(page["rps"] / baseline["rps"], 3),
            "page_304": not_modified,
            "baseline_empty": empty,
            "ratio_304": round(not_modified["rps"] / empty["rps"], 3),
        }
        table.append(
            (
                f"{name} ({sizes[name] // 1024} KB)",
                f"{page['rps']:.0f} / {baseline['rps']:.0f} req/s",
                f"{page['rps'] / baseline['rps']:.0%}",
                f"p50 {page['p50_ms']:.1f} / {baseline['p50_ms']:.1f} ms, "
                f"p99 {page['p99_ms']:.1f} / {baseline['p99_ms']:.1f} ms",
            )
        )
        table.append(
            (
                f"{name} 304",
                f"{not_modified['rps']:.0f} / {empty['rps']:.0f} req/s",
                f"{not_modified['rps'] / empty['rps']:.0%}",
                f"p50 {not_modified['p50_ms']:.1f} / {empty['p50_ms']:.1f} ms, "
                f"p99 {not_modified['p99_ms']:.1f} / {empty['p99_ms']:.1f} ms",
            )
        )
    result["table"] = table
    return result
