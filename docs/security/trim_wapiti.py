"""Merge wapiti's JSON reports into one small report: findings only, without its long encyclopaedia."""

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--text", type=Path, required=True)
    args = parser.parse_args()
    merged: dict = {"scans": [], "vulnerabilities": {}, "anomalies": {}, "additionals": {}}
    for path in args.reports:
        if not path.exists():
            merged["scans"].append({"report": path.name, "error": "no report written"})
            continue
        report = json.loads(path.read_text())
        info = report.get("infos", {})
        merged["scans"].append(
            {
                key: info.get(key)
                for key in ("target", "date", "version", "scope", "crawled_pages_nbr")
            }
        )
        for section in ("vulnerabilities", "anomalies", "additionals"):
            for category, findings in (report.get(section) or {}).items():
                bucket = merged[section].setdefault(category, [])
                for finding in findings:
                    item = {
                        key: finding.get(key)
                        for key in ("method", "path", "parameter", "info", "level")
                        if finding.get(key) not in (None, "")
                    }
                    if item not in bucket:
                        bucket.append(item)
    for section in ("vulnerabilities", "anomalies", "additionals"):
        merged[section] = {k: v for k, v in sorted(merged[section].items()) if v}
    args.json.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n")
    lines = ["wapiti findings (merged, de-duplicated)", ""]
    for scan in merged["scans"]:
        lines.append(f"scan: {json.dumps(scan, ensure_ascii=False)}")
    for section in ("vulnerabilities", "anomalies", "additionals"):
        lines.append("")
        lines.append(f"== {section}: {sum(len(v) for v in merged[section].values())}")
        for category, findings in merged[section].items():
            lines.append(f"-- {category}: {len(findings)}")
            lines.extend(
                f"   {f.get('method', '')} {f.get('path', '')} [{f.get('parameter', '')}] "
                f"{f.get('info', '')}".rstrip()
                for f in findings
            )
    args.text.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
