#!/usr/bin/env bash
# Scan a production-like BackCare server (gunicorn, DEBUG off, 127.0.0.1) with wapiti, bounded in
# time. `make scan` runs it after migrate + seed. Writes docs/security/wapiti-report.{json,txt}.
#
# Two wapiti runs: Debian's package (3.0.4) crawls and attacks the whole site; it sends every text
# field of a multipart form as a file part, so Django sees no CSRF token and refuses each of its form
# attacks before our code runs. PyPI's wapiti3 (in a throw-away venv under /tmp, never the project's)
# sends multipart forms correctly and also has the `upload` module, so it attacks the MRI form and
# its file field for real.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${SCAN_PORT:-8097}
BASE="http://127.0.0.1:$PORT"
OUT=docs/security
SCAN_SECONDS=${SCAN_SECONDS:-180}  # the crawl
ATTACK_SECONDS=${ATTACK_SECONDS:-30}  # each attack module
WAPITI3_VENV=${WAPITI3_VENV:-/tmp/backcare-wapiti3}
WAPITI3_VERSION=3.3.2
WORK=$(mktemp -d /tmp/backcare-scan.XXXXXX)

if [ ! -x "$WAPITI3_VENV/bin/wapiti" ]; then
  for PY3 in ${WAPITI3_PYTHON:-} python3.12 python3; do "$PY3" -c '' 2>/dev/null && break; done
  "$PY3" -m venv "$WAPITI3_VENV"
  "$WAPITI3_VENV/bin/pip" install --quiet "wapiti3==$WAPITI3_VERSION"
fi

export DEBUG=false HTTPS=false ALLOWED_HOSTS=127.0.0.1 EMAIL_BACKEND=console \
  SECRET_KEY=${SECRET_KEY:-scan-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')} \
  PRIVATE_STORAGE_ROOT="$WORK/private" SITE_URL="$BASE" LOG_LEVEL=WARNING \
  CLINIC_PHONE="(555) 555-0100" CLINIC_ADDRESS="Example address" CLINIC_HOURS="Weekdays" \
  CLINIC_OUT_OF_HOURS="Leave a message" \
  INTAKE_RATE_LIMIT_POSTS=1000000  # the scanner posts the form thousands of times; 429s would hide findings
.venv/bin/python manage.py collectstatic --no-input --verbosity 0
.venv/bin/gunicorn backcare.wsgi --bind "127.0.0.1:$PORT" --worker-class gthread --workers 2 --threads 4 \
  --timeout 60 --access-logfile "$WORK/access.log" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; mkdir -p var/scan; cp "$WORK"/*.log var/scan/ 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 60); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

echo "wapiti (Debian) on $BASE/, /exercises/, /mri-review/"
# --max-scan-time bounds the crawl; each of the 14 modules is bounded by --max-attack-time.
timeout $((SCAN_SECONDS + 14 * ATTACK_SECONDS + 300)) wapiti -u "$BASE/" -s "$BASE/exercises/" \
  -s "$BASE/mri-review/" --scope folder --flush-session --store-session "$WORK/session-debian" \
  -m "xss,permanentxss,sql,file,exec,crlf,redirect,http_headers,cookieflags,csp,csrf,methods,backup,htaccess" \
  --max-scan-time "$SCAN_SECONDS" --max-attack-time "$ATTACK_SECONDS" -d 4 --max-links-per-page 40 -t 20 \
  -f json -o "$WORK/debian.json" >"$WORK/wapiti-debian.log" 2>&1 || true

echo "wapiti3 $WAPITI3_VERSION on $BASE/mri-review/ (form and upload)"
timeout $((SCAN_SECONDS + 11 * ATTACK_SECONDS + 300)) "$WAPITI3_VENV/bin/wapiti" \
  -u "$BASE/mri-review/" --scope folder --flush-session --store-session "$WORK/session-pypi" \
  --no-bugreport -m "xss,permanentxss,sql,timesql,file,exec,crlf,redirect,upload,csrf,ldap" \
  --max-scan-time "$SCAN_SECONDS" --max-attack-time "$ATTACK_SECONDS" -d 3 -t 20 \
  -f json -o "$WORK/pypi.json" >"$WORK/wapiti-pypi.log" 2>&1 || true

.venv/bin/python docs/security/trim_wapiti.py "$WORK/debian.json" "$WORK/pypi.json" \
  --json "$OUT/wapiti-report.json" --text "$OUT/wapiti-report.txt"
{
  echo "server: requests $(wc -l <"$WORK/access.log"), 5xx responses $(grep -cE '" 5[0-9]{2} ' "$WORK/access.log" || true), CSRF refusals $(grep -c 'Forbidden (CSRF' "$WORK/server.log" || true), 429s $(grep -cE '" 429 ' "$WORK/access.log" || true)"
} | tee -a "$OUT/wapiti-report.txt"
cat "$OUT/wapiti-report.txt"
