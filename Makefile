# consult — set-up, server and tests. Needs only Python 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: install run serve test lint browser pdf-packages cluster cluster-down cluster-packages bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[test,bench]'
	@touch $(STAMP)

install: $(STAMP)

# Everything a newcomer needs: database, real seed data, admin account, an open sample
# consultation, the server at http://127.0.0.1:$(PORT)/ and one worker of the task queue
# (e-mail, schedules, exports) beside it. Each runs in its own process group (set -m), so the
# trap can stop both, runserver's reloader child included, on Ctrl-C, on TERM, or when either
# exits on its own.
run: install pdf-packages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py loadseeds
	$(BIN)/python manage.py setup_demo
	@bash -c 'set -m; \
	  $(BIN)/python manage.py run_worker & worker=$$!; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) & web=$$!; \
	  trap "trap - EXIT INT TERM; kill -TERM -$$web -$$worker 2>/dev/null; wait" EXIT INT TERM; \
	  wait -n'

# Headless Chromium for the browser tests (Debian's package; needs root for apt-get).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	else echo "Chromium not found: install Debian's 'chromium' package to run the browser tests."; fi

# What WeasyPrint needs for the report's PDF: Pango, and Noto CJK for the Chinese text.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
pdf-packages:
	@if dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	else echo "Install Debian's $(PDF_PACKAGES) for the report's PDF (WeasyPrint)."; fi

# The cluster tests' Debian packages, where those tests run: on PostgreSQL, as root.
cluster-packages:
	@case "$$DATABASE_URL" in postgres*) \
		if [ "$$(id -u)" = 0 ]; then deploy/local-cluster/packages.sh; fi ;; esac

# The architecture checks first: a broken layer or an untyped workflow fails before any test.
test: lint browser pdf-packages cluster-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production shape on one machine (deploy/local-cluster/README.md): two web nodes and a
# task worker in network namespaces behind HAProxy at https://127.0.0.1:8443/, on the local
# PostgreSQL (DATABASE_URL, default database consult_cluster) and Redis. Needs root.
cluster: install
	deploy/local-cluster/packages.sh
	$(BIN)/python deploy/local-cluster/localcluster.py up --prepare

cluster-down:
	$(PYTHON) deploy/local-cluster/localcluster.py down

# Style, complexity (ruff's C90), migrations in step with the models, the import contracts
# and the types of the modules mypy holds (pyproject.toml has each tool's configuration).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy
	# bandit (no medium or high finding unexplained) and check --deploy with production settings
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/staff/test_security_checks.py \
		tests/test_project.py::test_the_deployment_check_is_clean_with_production_settings

# Benchmarks on their own PostgreSQL database under gunicorn (bench/README.md).
# BENCH_SCALE=small|full (default full); BENCH_ARGS for more, e.g. --only intake,api.
BENCH_SCALE ?= full
bench: install
	$(BIN)/python -m bench --scale $(BENCH_SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache test-artifacts
