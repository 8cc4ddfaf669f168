# The two commands: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MANAGE := $(BIN)/python example_project/manage.py
DEMO_ENV := DEBUG=True

.PHONY: run test lint format docs bench clean migrate demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Stamps re-install when pyproject.toml or this Makefile changes.
$(VENV)/.run-installed: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/pip install -e '.[example,postgres,redis]'
	@if [ -f example_project/demo_plugins/pyproject.toml ]; then $(BIN)/pip install -e example_project/demo_plugins; fi
	touch $@

$(VENV)/.test-installed: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/pip install -e '.[test,example,postgres,redis,bench]'
	@if [ -f example_project/demo_plugins/pyproject.toml ]; then $(BIN)/pip install -e example_project/demo_plugins; fi
	touch $@

migrate: $(VENV)/.run-installed
	$(DEMO_ENV) $(MANAGE) migrate --no-input

demo: migrate
	@$(DEMO_ENV) $(MANAGE) shell --no-imports -c "from django.contrib.auth import get_user_model; U = get_user_model(); U.objects.filter(username='admin').exists() or U.objects.create_superuser('admin', 'admin@example.com', 'admin')"
	@if $(DEMO_ENV) $(MANAGE) help nexus_seed_demo >/dev/null 2>&1; then $(DEMO_ENV) $(MANAGE) nexus_seed_demo; fi

# The demo keeps the terminal for the server's request log: order and account e-mails
# (password reset, verification) go to files (the example settings' file backend in DEBUG)
# and the audit sink's JSON lines are not logged.
run: demo
	@echo ""
	@echo "  Start here   http://$(HOST):$(PORT)/"
	@echo "  API          http://$(HOST):$(PORT)/api/"
	@echo "  Swagger UI   http://$(HOST):$(PORT)/swagger/"
	@echo "  ReDoc        http://$(HOST):$(PORT)/redoc/"
	@echo "  Admin        http://$(HOST):$(PORT)/admin/   (demo login: admin / admin)"
	@$(DEMO_ENV) $(MANAGE) shell --no-imports -c "from example_project.views import email_folder; folder = email_folder(); print(f'  E-mails      {folder}/   (orders, password resets, verifications: one file per message, not sent)' if folder else '')"
	@echo ""
	$(DEMO_ENV) $(MANAGE) runserver $(HOST):$(PORT)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# SQLite first; then PostgreSQL when NEXUS_TEST_DATABASE_URL is set (the postgres-marked
# concurrency tests run only there; the slow packaging, docs and browser tests touch no test
# database, so they run once, in the SQLite pass).
test: lint
	env -u NEXUS_TEST_DATABASE_URL $(BIN)/pytest -m "not postgres" $(PYTEST_ARGS)
	@if [ -n "$$NEXUS_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$NEXUS_TEST_DATABASE_URL"; \
		$(BIN)/pytest --create-db -m "not slow" $(PYTEST_ARGS); \
	fi

docs: $(VENV)/.test-installed
	$(BIN)/pip install -q -e '.[docs]'
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

# The load harness (needs wrk: apt-get install wrk). A full run takes about 15 minutes;
# BENCH_ARGS="--quick" for a smoke run, "--db sqlite" for SQLite (see benchmarks/README.md).
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml $(VENV)/.test-installed
	$(BIN)/pip install -e '.[bench,example,postgres]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build .pytest_cache .ruff_cache
