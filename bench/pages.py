"""Exercise pages and the form page against a truly bare view of the same size, with wrk, in one run.

Every page is measured beside the baseline view /_bench/bytes/<the page's length> (no transaction, no
middleware work the pages skip: backcare/bench_views.py), in alternating rounds so a burst of load
from elsewhere on a shared machine falls on both; each figure is the median over rounds.

- **hits**: the library, one exercise, one routine at their plain URLs (kept whole in the cache),
  and each with If-None-Match (the 304 path) against the baseline with an empty body;
- **unique URLs**: every request a new query string, as a crawler or a campaign link sends them
  (wrk's Lua makes `<url>…<thread>x<counter>`): a search with a new word each time (`?q=knee -zz1x2`:
  the same exercises as "knee", answered by the kept results of its shape), and a filter, an
  exercise, a routine and the library with an unknown parameter that the cache key ignores;
- **the form page** (`/mri-review/`, a fresh CSRF and submission token each time).

What the server does on a *cold* miss (caches empty after an edit) is timed in-process by
bench/page_misses.py, run after this one.
"""

import re
import statistics
import subprocess
import tempfile
import urllib.request

WRK_LINE = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}

# Each wrk thread numbers its requests; the thread's number keeps two threads' URLs apart. An "x"
# between them, not a "-": `zz1-2` would be two words to Postgres (`'zz1' <-> '-2'`), not one new word.
UNIQUE_URLS_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  prefix = args[1]
  counter = 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", prefix .. id .. "x" .. counter)
end
"""

# name -> (path, or the prefix of a unique path; unique?)
UNIQUE = {
    "search, unique words": ("/exercises/?q=knee+-zz", True),
    "filter, unknown parameter": ("/exercises/?category=core&utm_id=", True),
    "library, unknown parameter": ("/exercises/?utm_id=", True),
    "exercise, unknown parameter": ("{exercise}?utm_id=", True),
    "routine, unknown parameter": ("{routine}?utm_id=", True),
    "form page": ("/mri-review/", False),
}


def wrk(
    base: str, path: str, seconds: float, headers: tuple[str, ...] = (), unique: bool = False
) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(UNIQUE_URLS_LUA)
        script.flush()
        # With the script, wrk asks it for each request's path: the prefix and a new number.
        command += ["-s", script.name, base, "--", path] if unique else [base + path]
        out = subprocess.run(  # noqa: S603 - wrk with our own arguments, against 127.0.0.1
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
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
    # The first exercise's card: the page also links to pages that are not exercises (my-progress).
    exercise = re.search(
        r'class="exercise-card".*?href="(/exercises/[a-z0-9-]+/)"', html, re.S
    ).group(1)
    routine = re.search(r'href="(/exercises/routines/[a-z0-9-]+/)"', html).group(1)
    return {"library": "/exercises/", "exercise": exercise, "routine": routine}


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")} | {
        "http_errors": sum(r["http_errors"] for r in runs)
    }


def _targets(base: str) -> tuple[dict, dict]:
    """name -> (path, headers, unique?, baseline name); and the baselines, name -> path."""
    targets: dict[str, tuple[str, tuple[str, ...], bool, str]] = {}
    baselines = {"empty": "/_bench/bytes/0"}
    plain = pages(base)
    for name, path in plain.items():
        body, etag = fetch(base + path)
        baselines[f"{len(body)} B"] = f"/_bench/bytes/{len(body)}"
        targets[f"{name} (hit)"] = (path, (), False, f"{len(body)} B")
        targets[f"{name} 304"] = (path, (f"If-None-Match: {etag}",), False, "empty")
    for name, (template, unique) in UNIQUE.items():
        path = template.format(**plain)
        body, _ = fetch(base + path + ("0-0" if unique else ""))
        baselines[f"{len(body)} B"] = f"/_bench/bytes/{len(body)}"
        targets[name] = (path, (), unique, f"{len(body)} B")
    return targets, baselines


def run(ctx) -> dict:
    base = ctx.server.base_url
    targets, baselines = _targets(base)
    # Warm every process (template loading, the first connection to Postgres) before measuring.
    wrk(base, "/exercises/", 1)
    wrk(base, "/mri-review/", 1)
    samples: dict[str, list[dict]] = {name: [] for name in [*targets, *baselines]}
    for _ in range(ctx.rounds):
        # Each page, then its baseline: load from elsewhere falls on both.
        for name, (path, headers, unique, baseline) in targets.items():
            samples[name].append(wrk(base, path, ctx.seconds, headers, unique))
            samples[baseline].append(wrk(base, baselines[baseline], ctx.seconds))
    medians = {name: _median(runs) for name, runs in samples.items()}
    result = {"wrk": "wrk -t2 -c16 --latency", "seconds_per_run": ctx.seconds, "rounds": ctx.rounds}
    table = []
    for name, (path, _, unique, baseline_name) in targets.items():
        page, baseline = medians[name], medians[baseline_name]
        ratio = page["rps"] / baseline["rps"]
        result[name] = {
            "path": path + ("<thread>-<counter>" if unique else ""),
            "baseline": baselines[baseline_name],
            "page": page,
            "bare": baseline,
            "ratio": round(ratio, 3),
        }
        table.append(
            (
                f"{name} ({baseline_name})",
                f"{page['rps']:.0f} / {baseline['rps']:.0f} req/s",
                f"{ratio:.0%}",
                f"p50 {page['p50_ms']:.1f} / {baseline['p50_ms']:.1f} ms, "
                f"p99 {page['p99_ms']:.1f} / {baseline['p99_ms']:.1f} ms",
            )
        )
    result["table"] = table
    return result
