# OpenEPM: `make run` serves the demo company on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EPM := $(BIN)/epm
PYTEST_ARGS ?=
# Two pytest-xdist workers (one per core on the CI machine): each has its own test database.
# `make test WORKERS=0` runs in one process.
WORKERS ?= 2

.PHONY: setup run test test-sqlite test-postgres lint typecheck format clean bench

setup: $(VENV)/.installed epm/static/vendor/.installed
	@$(EPM) migrate --noinput -v0

# Python dependencies, pinned with hashes; reinstalled only when the lock file changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Front-end packages from the npm registry (lock file), copied into static files.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

epm/static/vendor/.installed: node_modules/.package-lock.json scripts/vendor.py
	$(PYTHON) scripts/vendor.py
	@touch $@

run: setup
	@$(EPM) demo --if-empty
	$(EPM) serve

test: setup
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$EPM_TEST_POSTGRES_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true but EPM_TEST_POSTGRES_URL is not set: the PostgreSQL leg is required." >&2; exit 1; \
	else \
		echo "EPM_TEST_POSTGRES_URL not set: skipping the PostgreSQL leg."; \
	fi

test-sqlite:
	@echo "== tests on SQLite"
	$(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL ($$EPM_TEST_POSTGRES_URL)"
	EPM_TEST_DATABASE_URL="$$EPM_TEST_POSTGRES_URL" $(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

# Performance figures (never timing assertions in tests): the critical-path engine.
bench: setup
	$(BIN)/python -m benchmarks.cpm

lint: typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules epm/static/vendor staticfiles

# Types of the domain code (services, selectors, rules, the calendar and lifecycle, approvals).
TYPED := epm/core/services.py epm/core/calendar_services.py epm/core/selectors.py \
	epm/core/rules.py epm/core/workcalendar.py epm/core/notifications.py epm/core/audit.py \
	epm/projects/services.py epm/projects/selectors.py epm/projects/rules.py \
	epm/projects/lifecycle.py epm/projects/gates.py epm/projects/sweeps.py \
	epm/projects/approval_subjects.py epm/approvals/models.py epm/approvals/services.py \
	epm/approvals/selectors.py epm/approvals/rules.py epm/approvals/steps.py \
	epm/approvals/subjects.py epm/approvals/conditions.py epm/approvals/resolution.py \
	epm/approvals/stepforms.py epm/projects/hooks.py epm/projects/intake.py \
	epm/projects/nomination.py epm/projects/intake_selectors.py epm/projects/intake_hooks.py \
	epm/interop/excel.py epm/planning/services epm/planning/selectors.py \
	epm/planning/selectors_purchase.py epm/planning/selectors_plan.py epm/planning/review.py \
	epm/planning/purchase_columns.py epm/planning/plan_sections.py epm/planning/diff.py \
	epm/planning/rules.py epm/planning/lifecycle_hooks.py \
	epm/finance/services.py epm/finance/selectors.py epm/finance/rules.py \
	epm/finance/money.py epm/finance/models.py epm/finance/lifecycle_hooks.py \
	epm/finance/export.py epm/registers/services.py epm/registers/selectors.py \
	epm/registers/rules.py epm/registers/sweeps.py epm/registers/models.py \
	epm/scheduling epm/interop/psplib.py benchmarks/cpm.py \
	epm/interop/mspdi epm/interop/wbs_excel.py epm/interop/mpxj_import.py \
	epm/planning/selectors_schedule.py epm/planning/selectors_gantt.py \
	epm/planning/selectors_baseline.py epm/planning/schedule_pages.py \
	epm/planning/demo_schedule.py
typecheck:
	$(BIN)/mypy $(TYPED)
