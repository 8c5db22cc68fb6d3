# BANSOS 360 — the commands a newcomer needs. `make help` lists them.
PYTHON ?= python3.11
UV_VERSION := 0.13.8
VENV := .venv
SUPERSET_VENV := .venv-superset
DEPLOY_VENV := .venv-deploy
BIN := $(VENV)/bin
DEMO_DIR ?= demo
DEMO_SCALE ?= 0.1
BENCH_SCALE ?= 1.0
BENCH_ARGS ?=
export BANSOS360_HOME ?= $(CURDIR)/.bansos360
export BANSOS360_AIRFLOW_URL ?= http://127.0.0.1:8080
export BANSOS360_SUPERSET_URL ?= http://127.0.0.1:8088

.PHONY: help setup demo demo-stop test test-deploy lint release bench bench-airflow bench-superset bench-xlsx bench-deploy lock clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(SUPERSET_VENV)/.installed $(SUPERSET_VENV)/.bahasa ## build both environments from the lock files

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

# Superset's Bahasa Indonesia pack, compiled into its package (ops/superset/language_pack.py)
$(SUPERSET_VENV)/.bahasa: ops/superset/translations/id/LC_MESSAGES/messages.po ops/superset/language_pack.py $(SUPERSET_VENV)/.installed
	$(SUPERSET_VENV)/bin/python ops/superset/language_pack.py
	touch $@

$(DEPLOY_VENV)/.installed: requirements/deploy.lock $(VENV)/.installed
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(BIN)/uv pip install --quiet --python $(DEPLOY_VENV)/bin/python -r requirements/deploy.lock
	touch $@

demo: setup ## set up, write a synthetic lake, process it through the SOP pages and Airflow, and open the dashboards in Superset
	$(BIN)/bansos360 synth $(DEMO_DIR) --seed 360 --scale $(DEMO_SCALE)
	$(BIN)/bansos360 airflow setup --users ops/demo/pengguna.json
	$(BIN)/bansos360 airflow start
	$(BIN)/bansos360 airflow lake $(DEMO_DIR) --users ops/demo/pengguna.json
	$(BIN)/bansos360 status
	$(BIN)/bansos360 superset setup --users ops/demo/pengguna.json
	$(BIN)/bansos360 superset start
	$(BIN)/bansos360 superset sync --users ops/demo/pengguna.json
	@echo ""
	@echo "Selesai / done."
	@echo "  Superset (dasbor / dashboards): $(BANSOS360_SUPERSET_URL)/superset/dashboard/menu/"
	@echo "     analis / demo-analis-360 (Dinsos Analis: semua dasbor, by-name-by-address)"
	@echo "     pembaca / demo-pembaca-360 (Dinsos Pembaca: nama dan NIK tersamar)"
	@echo "     kec.trenggalek / demo-kecamatan-360 (Kecamatan Trenggalek: hanya kecamatannya)"
	@echo "     verval.trenggalek / demo-verval-360 (Verval Kecamatan Trenggalek: daftar verval kecamatannya)"
	@echo "     kominfo / demo-kominfo-360 (Admin)"
	@echo "  Airflow: $(BANSOS360_AIRFLOW_URL)/   halaman SOP / SOP pages: $(BANSOS360_AIRFLOW_URL)/sop/"
	@echo "     kominfo / demo-kominfo-360 (Admin, Airflow UI)"
	@echo "     kabid / demo-kabid-360 (Pemilik Produk: persetujuan, telaah permintaan dasbor)"
	@echo "     operator / demo-operator-360 (Operator Dinsos: unggah)"
	@echo "     bappeda / demo-bappeda-360 (Pemohon Dasbor: ajukan permintaan dasbor)"
	@echo "     analis / demo-analis-360 (Analis Data: rancang dasbor yang diminta)"
	@echo "  $(BIN)/bansos360 superset desa                   # contoh halaman situs desa / the example village page"
	@echo "  $(BIN)/bansos360 figures --kecamatan 35.03.05   # angka dasbor dari mart / dashboard figures"
	@echo "  make demo-stop                                 # hentikan semuanya / stop Superset, Airflow, PostgreSQL"

demo-stop: ## stop what make demo started (Superset, Airflow, then the embedded PostgreSQL)
	-$(BIN)/bansos360 superset stop
	-$(BIN)/bansos360 airflow stop
	$(BIN)/bansos360 db stop

test: setup ## run every test (real PostgreSQL, a real Airflow and browser, the Superset metadata upgrade)
	$(BIN)/pytest

# the tarball the converge test deploys; CI builds it beside `make test` and passes TEST_DEPLOY_RELEASE= (none)
TEST_DEPLOY_RELEASE ?= release
test-deploy: setup $(TEST_DEPLOY_RELEASE) ## converge test: the playbook takes a clean Debian 12 root (debootstrap, systemd, its own network namespace) to a serving, processing BANSOS 360 over SSH; root only
	$(BIN)/pytest tests/deploy -p no:cacheprovider

lint: setup $(DEPLOY_VENV)/.installed ## ruff, sqlfluff, yamllint and ansible-lint (production profile)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint sql expectations --processes 2
	$(BIN)/yamllint --strict -c .yamllint.yml superset_assets sql expectations ops/ansible
	cd ops/ansible && ../../$(DEPLOY_VENV)/bin/ansible-lint --profile production --offline

release: setup ## one tarball for the server: the repository at this commit and the wheels of both lock files (dist/)
	PIP=$(BIN)/pip UV_VERSION=$(UV_VERSION) ops/release/build.sh

bench: setup ## the lake-to-marts benchmark (BENCH_SCALE, default 1.0; BENCH_ARGS=--reuse-lake keeps a lake); writes docs/benchmarks.md
	$(BIN)/python -m bansos360.bench --scale $(BENCH_SCALE) $(BENCH_ARGS) --out docs/benchmarks.md

bench-superset: setup ## every dashboard's charts timed in Superset (as an analyst and a kecamatan user), and its memory
	$(BIN)/python -m bansos360.bench_superset --scale $(BENCH_SCALE) $(BENCH_ARGS) --out docs/benchmarks.md

bench-xlsx: setup ## a whole DTKS period as .xlsx, read by the streamed reader and by python-calamine (prints time and memory)
	$(BIN)/python -m bansos360.bench_xlsx --scale $(BENCH_SCALE)

bench-airflow: setup ## memory of the Airflow processes while a lake goes through the SOP pages and DAGs
	$(BIN)/python -m bansos360.bench_airflow --scale $(BENCH_SCALE) $(BENCH_ARGS) --out docs/benchmarks.md

bench-deploy: setup release ## memory of every service on the converge test's server during a refresh at BENCH_SCALE; writes docs/benchmarks.md
	BANSOS360_DEPLOY_BENCH_SCALE=$(BENCH_SCALE) BANSOS360_DEPLOY_BENCH_OUT=docs/benchmarks.md $(BIN)/pytest tests/deploy -p no:cacheprovider

lock: ## re-resolve the lock files (needs the package registries)
	$(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 requirements/pipeline.in -o requirements/pipeline.lock
	$(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 requirements/superset.in -o requirements/superset.lock
	$(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 requirements/deploy.in -o requirements/deploy.lock

clean: ## remove the environments and the local data folder (stops Airflow and the embedded server first)
	-$(BIN)/bansos360 airflow stop
	-$(BIN)/bansos360 db stop
	rm -rf $(VENV) $(SUPERSET_VENV) $(DEPLOY_VENV) .bansos360 $(DEMO_DIR) dist build
