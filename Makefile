# BANSOS 360 — the commands a newcomer needs. `make help` lists them.
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
SUPERSET_VENV := .venv-superset
BIN := $(VENV)/bin
DEMO_DIR ?= demo
DEMO_SCALE ?= 0.1
BENCH_SCALE ?= 1.0
BENCH_ARGS ?=
export BANSOS360_HOME ?= $(CURDIR)/.bansos360
export BANSOS360_AIRFLOW_URL ?= http://127.0.0.1:8080

.PHONY: help setup demo demo-stop test lint bench bench-airflow lock clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(SUPERSET_VENV)/.installed ## build both environments from the lock files

$(VENV)/.installed: requirements/pipeline.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/pipeline.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(SUPERSET_VENV)/.installed: requirements/superset.lock $(VENV)/.installed
	$(PYTHON) -m venv $(SUPERSET_VENV)
	$(BIN)/uv pip install --quiet --python $(SUPERSET_VENV)/bin/python -r requirements/superset.lock
	touch $@

demo: setup ## set up, write a synthetic lake, start Airflow on the embedded default and process the lake through the SOP pages and DAGs
	$(BIN)/bansos360 synth $(DEMO_DIR) --seed 360 --scale $(DEMO_SCALE)
	$(BIN)/bansos360 airflow setup --users ops/demo/pengguna.json
	$(BIN)/bansos360 airflow start
	$(BIN)/bansos360 airflow lake $(DEMO_DIR) --users ops/demo/pengguna.json
	$(BIN)/bansos360 status
	@echo ""
	@echo "Selesai / done. Airflow: $(BANSOS360_AIRFLOW_URL)/   halaman SOP / SOP pages: $(BANSOS360_AIRFLOW_URL)/sop/"
	@echo "  login demo: kominfo / demo-kominfo-360 (Admin, Airflow UI)"
	@echo "              kabid / demo-kabid-360 (Pemilik Produk: persetujuan)"
	@echo "              operator / demo-operator-360 (Operator Dinsos: unggah)"
	@echo "  $(BIN)/bansos360 figures --kecamatan 35.03.05   # angka dasbor dari mart / dashboard figures"
	@echo "  make demo-stop                                 # hentikan Airflow dan PostgreSQL / stop Airflow and PostgreSQL"

demo-stop: ## stop what make demo started (Airflow, then the embedded PostgreSQL)
	-$(BIN)/bansos360 airflow stop
	$(BIN)/bansos360 db stop

test: setup ## run every test (real PostgreSQL, a real Airflow and browser, the Superset metadata upgrade)
	$(BIN)/pytest

lint: setup ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint sql expectations --processes 2

bench: setup ## the lake-to-marts benchmark (BENCH_SCALE, default 1.0; BENCH_ARGS=--reuse-lake keeps a lake); writes docs/benchmarks.md
	$(BIN)/python -m bansos360.bench --scale $(BENCH_SCALE) $(BENCH_ARGS) --out docs/benchmarks.md

bench-airflow: setup ## memory of the Airflow processes while a lake goes through the SOP pages and DAGs
	$(BIN)/python -m bansos360.bench_airflow --scale $(BENCH_SCALE) $(BENCH_ARGS) --out docs/benchmarks.md

lock: ## re-resolve both lock files (needs the package registries)
	$(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 requirements/pipeline.in -o requirements/pipeline.lock
	$(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 requirements/superset.in -o requirements/superset.lock

clean: ## remove the environments and the local data folder (stops Airflow and the embedded server first)
	-$(BIN)/bansos360 airflow stop
	-$(BIN)/bansos360 db stop
	rm -rf $(VENV) $(SUPERSET_VENV) .bansos360 $(DEMO_DIR)
