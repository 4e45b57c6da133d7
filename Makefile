# BackCare — the README's commands. Each target installs what it needs, so a fresh machine of the
# python-svc kind needs nothing typed beforehand.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.13 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# The app connects as a role that owns nothing; migrations run as the role that owns the tables
# (docs/security.md, "Database roles"). `make db` creates both; on this machine they log in by trust.
export DATABASE_URL ?= postgres://backcare_app@127.0.0.1:5432/backcare
DB_NAME := $(lastword $(subst /, ,$(DATABASE_URL)))
export MIGRATION_DATABASE_URL ?= postgres://backcare_owner@127.0.0.1:5432/$(DB_NAME)
# A role that may create roles and databases; only `make db` uses it.
DB_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres

# The clinic details production requires (as in tests/serving.py): plain examples, 555 is fiction.
EXAMPLE_CLINIC := CLINIC_PHONE='(555) 555-0100' \
	CLINIC_ADDRESS='Example address: 100 Main Street, Springfield, ST 00000' \
	CLINIC_HOURS='Monday to Friday, 8 am to 5 pm' \
	CLINIC_OUT_OF_HOURS='When we are closed, leave a message and we will call you back.'

# Production-like values for `check --deploy`; nothing here is a real secret.
DEPLOY_ENV := DEBUG=false ALLOWED_HOSTS=backcare.example.org EMAIL_HOST=smtp.example.org \
	SITE_URL=https://backcare.example.org $(EXAMPLE_CLINIC) \
	SECRET_KEY=deploy-check-$$(printf 'x%.0s' {1..60})

.PHONY: help install pdf-libs gettext messages db setup run worker sweep purge-uploads nightly serve serve-tls wordlists chromium nginx orthanc observatory vnu lighthouse lighthouse-performance test-preflight test lint format lock vendor clean bench scan

help:
	@echo "make run    - set up and serve the app on http://127.0.0.1:8000 (with the task worker)"
	@echo "make test   - set up and run the whole test suite (browser tests included)"
	@echo "make lint   - Spanish catalogues complete, ruff, template lint, import layers, migrations check, deploy check"
	@echo "make messages - regenerate and compile the Spanish translation catalogues (.po/.mo)"
	@echo "make serve  - production server (gunicorn, DEBUG off) on 127.0.0.1:8000"
	@echo "make serve-tls - the production set-up: gunicorn behind the shipped nginx, https://127.0.0.1:8443"
	@echo "make worker - the background task worker (requeues tasks of killed workers)"
	@echo "make sweep  - remove stray upload files older than a day"
	@echo "make purge-uploads - remove resumable uploads that expired unattached"
	@echo "make nightly - every nightly job: sweep, purge-uploads, requeue, retention, old sessions"
	@echo "make bench  - benchmarks against the production server; results in bench/results/"
	@echo "make lighthouse-performance - Lighthouse performance of every public page (about 15 minutes)"
	@echo "make scan   - wapiti security scan of the production server (docs/security.md)"

$(BIN)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else "BackCare needs Python 3.13: install it (pyenv install 3.13) or set PYTHON=/path/to/python3.13")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed

# WeasyPrint (the patient's review letter as PDF) draws with Debian's Pango and HarfBuzz, and needs a
# font: installed here if any is missing.
PDF_LIBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@missing=$$(for p in $(PDF_LIBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	  grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 $$missing >/dev/null; fi

# Debian's gettext: compilemessages and the translation check run its msgfmt.
gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 gettext >/dev/null; }

# Regenerate the Spanish catalogues (README, "Languages"): project strings (templates/, backcare/) in
# locale/, each app's in <app>/locale/; no source locations, so an edit elsewhere moves nothing.
# Staff-only admin templates stay English. Then translate the new msgstr lines and run it again to
# compile the .mo files; `make lint` fails while any is empty or fuzzy.
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=var \
	--ignore=deploy --ignore=bench --ignore=tests --ignore=templates/admin --ignore='*/templates/admin/*'
messages: install gettext
	$(MANAGE) makemessages -l es --no-location --no-obsolete $(MESSAGES_IGNORE)
	$(MANAGE) compilemessages -l es $(MESSAGES_IGNORE)

# Postgres: start a local cluster that is installed but stopped; create the two roles and the
# database if missing (the owner may create databases here: pytest-django makes its test database).
db: install
	@if ! pg_isready --quiet --dbname="$(DB_ADMIN_URL)" 2>/dev/null; then \
	  if command -v pg_lsclusters >/dev/null; then \
	    pg_lsclusters --no-header | awk '$$4 != "online" {print $$1, $$2}' | \
	      while read -r version cluster; do pg_ctlcluster --skip-systemctl-redirect "$$version" "$$cluster" start; done; \
	    for _ in $$(seq 30); do pg_isready --quiet --dbname="$(DB_ADMIN_URL)" && break; sleep 1; done; \
	  else \
	    echo "PostgreSQL does not answer at $(DB_ADMIN_URL) and is not installed here." >&2; \
	    echo "Install it (apt-get install postgresql) or set DB_ADMIN_URL to a running server." >&2; exit 1; \
	  fi; \
	fi
	$(MANAGE) create_db_roles --admin-url "$(DB_ADMIN_URL)" --owner-createdb

# migrate connects as the owner (MIGRATION_DATABASE_URL), then grants the runtime role its rights.
setup: db pdf-libs
	$(MANAGE) migrate --no-input
	$(MANAGE) seed_exercises

run: setup
	@echo "BackCare on http://127.0.0.1:8000 (Ctrl-C stops the server and the worker)"
	trap 'kill 0' EXIT; $(MANAGE) run_worker & $(MANAGE) runserver 127.0.0.1:8000

# db_worker plus the reaper: tasks left "running" by a killed worker are requeued after TASK_LEASE_SECONDS.
# Run as many as you like, on as many machines as you like.
worker: install pdf-libs
	$(MANAGE) run_worker

# Remove upload files that no request points to (left by a crash), once older than a day. Run daily.
sweep: install
	$(MANAGE) sweep_stray_uploads

# Remove resumable (tus) uploads that expired before a form attached them. Run daily, beside sweep.
purge-uploads: install
	$(MANAGE) purge_expired_uploads

# Every job to run once a night, on one machine (cron or a systemd timer): all are safe to repeat.
# clearsessions drops expired sessions (a session starts only with an upload or a form post).
nightly: install
	$(MANAGE) sweep_stray_uploads
	$(MANAGE) purge_expired_uploads
	$(MANAGE) process_uploads
	$(MANAGE) apply_retention
	$(MANAGE) clearsessions

# The production server, for benchmarks and a last look: gunicorn, DEBUG off, hashed static files.
# HTTPS=false because nothing terminates TLS in front of it on this machine.
SERVE_ENV := DEBUG=false HTTPS=false ALLOWED_HOSTS=127.0.0.1,localhost \
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} EMAIL_BACKEND=$${EMAIL_BACKEND:-console} \
	SITE_URL=$${SITE_URL:-http://127.0.0.1:8000} $(EXAMPLE_CLINIC)
serve: setup
	@mkdir -p var && [ -s var/secret_key ] || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
	$(SERVE_ENV) $(MANAGE) collectstatic --no-input --verbosity 0
	$(SERVE_ENV) $(BIN)/gunicorn backcare.wsgi --bind 127.0.0.1:8000 --worker-class gthread \
	  --workers $${WEB_WORKERS:-2} --threads 4 --timeout 120 --access-logfile -

# The production set-up on one machine: gunicorn (HTTPS on, trusting the proxy) behind the shipped
# nginx (deploy/nginx/backcare.conf, run by deploy/proxy.py) on https://127.0.0.1:8443 with a
# self-signed certificate made at start (http://127.0.0.1:8080 redirects). Ctrl-C stops both.
TLS_ENV := DEBUG=false BEHIND_PROXY=true ALLOWED_HOSTS=127.0.0.1,localhost \
	SECRET_KEY=$${SECRET_KEY:-$$(cat var/secret_key)} EMAIL_BACKEND=$${EMAIL_BACKEND:-console}
serve-tls: setup nginx
	@mkdir -p var && [ -s var/secret_key ] || $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
	$(TLS_ENV) $(MANAGE) collectstatic --no-input --verbosity 0
	trap 'kill 0' EXIT; $(TLS_ENV) $(BIN)/gunicorn backcare.wsgi --bind 127.0.0.1:8000 \
	  --worker-class gthread --workers $${WEB_WORKERS:-2} --threads 4 --timeout 120 --access-logfile - & \
	  $(BIN)/python -m deploy.proxy --upstream 127.0.0.1:8000 --https-port 8443 --http-port 8080

# Benchmarks (bench/README.md): their own database (BENCH_DATABASE_URL, default backcare_bench) and
# server on a free port; about 20 minutes without the admin's 1M rows (Orthanc and dcmtk for the viewer
# and PACS benchmarks). BENCH_ARGS="--only pages --seconds 3" runs a part.
bench: db pdf-libs orthanc chromium
	@command -v wrk >/dev/null || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 wrk >/dev/null; }
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 nginx >/dev/null; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# A web-vulnerability scan (Debian's wapiti, plus PyPI's wapiti3 in a venv under /tmp for the upload
# form) of a production-like server on 127.0.0.1; about 15 minutes. The report goes to docs/security/.
# It submits the form many times: point DATABASE_URL at a scratch database.
scan: setup
	@command -v wapiti >/dev/null || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=300 wapiti >/dev/null; }
	docs/security/scan.sh

# Debian's English and Spanish word lists: tests/test_exercise_search_words.py compares the search's
# Python parse with Postgres's on every word of them.
wordlists:
	@[ -f /usr/share/dict/american-english ] && [ -f /usr/share/dict/spanish ] || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 wamerican wspanish >/dev/null; }

# Chromium comes from Debian's packages; nothing downloads a browser at run time.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium libmagic1 >/dev/null; }

# What the suite needs beyond the packages, checked before anything runs: root (tests/test_resilience.py
# mounts a 2 MB tmpfs and runs a Postgres of its own as the postgres user with runuser) and redis-server
# (the scale-out tests start private ones on Unix sockets; the developer's Redis is never touched).
test-preflight:
	@[ "$$(id -u)" = 0 ] || { echo "make test must run as root: tests/test_resilience.py mounts a tmpfs" \
	  "and starts Postgres with runuser. Run it as root (sudo make test), or run single modules with" \
	  ".venv/bin/pytest tests/test_x.py." >&2; exit 1; }
	@command -v redis-server >/dev/null || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 redis-server >/dev/null; }
	@command -v redis-server >/dev/null || { echo "redis-server is missing and could not be installed" \
	  "(apt-get install redis-server): tests/test_scale_out.py needs it." >&2; exit 1; }


# nginx and openssl for the shipped reverse proxy (deploy/) and its tests, from Debian's packages.
nginx:
	@{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null && command -v openssl >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=300 nginx openssl >/dev/null; }

# Debian's Orthanc (a real PACS for the "Send to PACS" tests and benchmark) and dcmtk (storescu, the
# benchmark's baseline). Tests start private Orthancs on free loopback ports (tests/orthanc.py) and never
# use the package's service on 4242/8042; when this target installed it, that service is stopped and
# disabled again (on a machine with systemd; in a container it never starts).
orthanc:
	@{ [ -x /usr/sbin/Orthanc ] && command -v storescu; } >/dev/null || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 orthanc dcmtk >/dev/null && \
	  { systemctl disable --now orthanc >/dev/null 2>&1 || true; }; }

# Mozilla's HTTP Observatory scanner, pinned by deploy/observatory/package-lock.json, for
# tests/test_proxy.py. --ignore-scripts: its install scripts download the HSTS preload list and a CA
# bundle; offline we give it an empty preload list (our hosts are in none) and our own certificate.
OBSERVATORY := deploy/observatory/node_modules/@mdn/mdn-http-observatory
observatory: $(OBSERVATORY)/conf/hsts-preload.json
$(OBSERVATORY)/conf/hsts-preload.json: deploy/observatory/package-lock.json
	npm ci --prefix deploy/observatory --ignore-scripts --no-audit --no-fund
	echo '{}' > $@

# The Nu Html Checker, pinned by deploy/vnu/package-lock.json, for tests/test_html_validity.py; it runs
# on the machine's Java 17. --ignore-scripts: its install script would download a Java runtime.
VNU := deploy/vnu/node_modules/vnu-jar/build/dist/vnu.jar
vnu: $(VNU)
	@command -v java >/dev/null || { apt-get update -qq && \
	  apt-get install -y -qq -o DPkg::Lock::Timeout=300 default-jre-headless >/dev/null; }
$(VNU): deploy/vnu/package-lock.json
	npm ci --prefix deploy/vnu --ignore-scripts --no-audit --no-fund
	touch $@

# Lighthouse 13 (its Node API, with chrome-launcher and puppeteer-core), pinned by
# deploy/lighthouse/package-lock.json, for tests/test_lighthouse.py; it drives Debian's Chromium
# (CHROME_PATH) and downloads nothing when it runs.
LIGHTHOUSE := deploy/lighthouse/node_modules/lighthouse
lighthouse: $(LIGHTHOUSE)/package.json
$(LIGHTHOUSE)/package.json: deploy/lighthouse/package-lock.json
	npm ci --prefix deploy/lighthouse --no-audit --no-fund
	touch $@

# Lighthouse performance of every public page, English and Spanish (bench/lighthouse_pages.py; figures
# in bench/README.md): a measurement of CPU time, so a benchmark and not part of `make test`.
lighthouse-performance: db pdf-libs chromium nginx lighthouse
	$(MANAGE) collectstatic --no-input --verbosity 0
	$(BIN)/pytest --create-db bench/lighthouse_pages.py -s

test: test-preflight db pdf-libs gettext wordlists chromium nginx orthanc observatory vnu lighthouse
	$(MANAGE) collectstatic --no-input --verbosity 0
	$(BIN)/pytest --create-db -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS)

lint: install pdf-libs gettext
	$(BIN)/python -m backcare.translations  # every Spanish string translated, none fuzzy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --lint templates exercises/templates intake/templates
	$(BIN)/lint-imports  # the rooms inside intake import one way (pyproject.toml, README "Layout")
	# As the owner: the migrations' own table is the owner's, whatever state the database was left in.
	DATABASE_URL=$(MIGRATION_DATABASE_URL) $(MANAGE) makemigrations --check --dry-run
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the pinned requirements after changing pyproject.toml.
lock: install
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --group dev --python-version 3.13 --quiet -o requirements.lock

# Refresh vendored front-end libraries from npm (the result is committed).
vendor:
	npm install --no-audit --no-fund
	mkdir -p static/vendor/bootstrap
	cp node_modules/bootstrap/dist/css/bootstrap.min.css{,.map} static/vendor/bootstrap/
	cp node_modules/bootstrap/LICENSE static/vendor/bootstrap/
	mkdir -p static/vendor/uppy
	rm -f static/vendor/uppy/uppy.min.*
	# Only the Uppy parts the form uses (frontend/uppy-bundle.js), one file each for script and style.
	node_modules/.bin/esbuild frontend/uppy-bundle.js --bundle --minify --format=iife --target=es2020 \
	  --define:process.env.NODE_ENV='"production"' --legal-comments=none --sourcemap \
	  --outfile=static/vendor/uppy/uppy-bundle.min.js
	node_modules/.bin/esbuild frontend/uppy-bundle.css --bundle --minify --outfile=static/vendor/uppy/uppy-bundle.min.css
	cp node_modules/uppy/LICENSE static/vendor/uppy/
	mkdir -p static/vendor/dicom-parser
	cp node_modules/dicom-parser/dist/dicomParser.min.js{,.map} static/vendor/dicom-parser/
	cp node_modules/dicom-parser/LICENSE static/vendor/dicom-parser/

clean:
	rm -rf $(VENV) staticfiles node_modules deploy/observatory/node_modules deploy/vnu/node_modules \
	  deploy/lighthouse/node_modules
