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
# (e-mail, schedules, exports) beside it. The two run in process groups of their own (set -m):
# Ctrl-C at the terminal reaches only make and this shell, whose trap then stops both with one
# TERM to each group (runserver's reloader child included; the worker finishes the task in
# hand). The trap also runs on TERM, which make passes on to the shell, and when either exits on
# its own. It is set before either starts, finds them as the shell's jobs, and ignores INT and
# TERM while it runs: a TERM to make's process group reaches the shell twice (from the group,
# then from make), and the second must not end the shell before it has stopped the two, which
# would run on as children of init.
run: install pdf-packages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py loadseeds
	$(BIN)/python manage.py setup_demo
	@bash -c 'set -m; \
	  stop() { trap "" INT TERM; trap - EXIT; \
	    for group in $$(jobs -p); do kill -TERM -- -$$group 2>/dev/null; done; wait; }; \
	  trap "stop; exit 130" INT; trap "stop; exit 143" TERM; trap stop EXIT; \
	  $(BIN)/python manage.py run_worker & \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) & \
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
