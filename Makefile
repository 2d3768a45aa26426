# Two commands for a fresh machine (see README): `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
CLI     := $(VENV)/bin/gis-service
STAMP   := $(VENV)/.installed

.PHONY: run test build validate system-deps vendor clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

## build the store from layers/, validate (a failing rule does not stop the server), serve
run: $(STAMP)
	$(CLI) build
	$(CLI) validate; test $$? -le 1
	$(CLI) serve

build: $(STAMP)
	$(CLI) build

validate: $(STAMP)
	$(CLI) validate

## Debian packages the tests use: GDAL's own client (ogrinfo) and Chromium
system-deps:
	bash scripts/install_system_deps.sh

test: $(STAMP) system-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) var test-artifacts
