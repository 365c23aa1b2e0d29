# The commands a contributor needs. Each installs what it uses on a fresh machine, then does its job.
#   make book   build the book into _build/html (executes every chapter; warnings are errors)
#   make test   run the test suite (builds the book first if needed)
#   make serve  preview the built book on http://127.0.0.1:$(PORT)
#   make live   the same, with live code on a private local Jupyter kernel (Ctrl-C stops both)
#   make hub    the book on a development JupyterHub, each reader on a server of their own (HUB_PASSWORD=... make hub)
#   make links  check every external link (needs the network; internal links are checked by every build)
#   make lock   write the locks (requirements.txt, tests/ and binder/) from the hand-edited requirements.in files
#   make lint   ruff and ESLint: the Python and the JavaScript as pyproject.toml and eslint.config.js say (also a
#               pre-commit hook, and a test)
#   make compat run every chapter on the newest torch and on Colab's packages (opt-in: multi-GB downloads)

PYTHON ?= python3
PORT ?= 8000
# The book folder to build; the tests point it at fixture books.
BOOK ?= .
VENV := .venv
BIN := $(VENV)/bin
# A reader's kernel for the tests: only what Binder installs.
READER := .venv-reader

.PHONY: book test serve live hub clean notebooks links lighthouse benchmark lock lint compat browsers js-test js-lint

book: $(VENV)/.book-installed node_modules/.package-lock.json
	$(BIN)/jupyter-book build $(BOOK) --warningiserror --nitpick --keep-going

# On a fresh machine the tests' installs run side by side: pip keeps about one core busy, so the reader's venv is made
# while the book's installs, not inside the test run. (apt-get takes one at a time: the browsers come first.)
test: browsers js-test
	$(MAKE) --no-print-directory -j3 $(VENV)/.test-installed $(READER)/.installed node_modules/.package-lock.json
	$(BIN)/python -m pytest tests

links: $(VENV)/.book-installed node_modules/.package-lock.json
	$(BIN)/jupyter-book build $(BOOK) --builder linkcheck

serve:
	$(PYTHON) -m booktools.static_host --port $(PORT)

live: book
	$(BIN)/python -m booktools.live_server --port $(PORT)

# JupyterHub, its proxy, the book service and the readers' servers on 127.0.0.1, until Ctrl-C (booktools/hub.py).
hub: book $(VENV)/.test-installed $(READER)/.installed
	$(BIN)/python -m booktools.hub --port $(PORT)

clean:
	rm -rf _build

# Lighthouse scores of every chapter page into _build/benchmark/ (npx fetches Lighthouse 12.2.3 on first use).
lighthouse: book $(VENV)/.test-installed browsers
	$(BIN)/python -m booktools.lighthouse

lint: $(VENV)/.test-installed js-lint
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

# Live Code's run queue, unit-tested with Node's own test runner (no package needed): `make test` runs it first.
js-test:
	node --test tests/js/*.test.js

# ESLint (eslint.config.js): Live Code's modules, their tests and the build's Node programs (also a pre-commit hook).
js-lint: node_modules/.package-lock.json
	node_modules/.bin/eslint .

# Every chapter's notebook on the newest torch and on Colab's packages, each in a throwaway venv (GBs of downloads
# here; on GitHub, PIP_EXTRA_INDEX_URL brings CPU builds): _build/compat/compat.json, shown by the build report page.
compat: $(VENV)/.book-installed
	$(BIN)/python -m booktools.compat

# Build times, page weights, Lighthouse, live code and the test suite, measured; the README's table rewritten.
benchmark: book $(VENV)/.test-installed node_modules/.package-lock.json browsers
	$(BIN)/python -m booktools.benchmark --readme

# The locks pin every package with its hashes: pip installs exactly those files or nothing.
# A new venv gets the newest pip first: the one Python 3.11 bundles (23.2) resolves the lock's jsonschema[format-nongpl]
# to a newer release than the one pinned, then refuses it for want of a hash; tests/requirements.txt pins pip itself.
$(VENV)/.book-installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv --upgrade-deps $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

$(VENV)/.test-installed: tests/requirements.txt $(VENV)/.book-installed
	$(BIN)/python -m pip install --quiet --require-hashes -r tests/requirements.txt
	touch $@

# Each lock from its .in file, in this order (each constrains the next). pip's configuration files are left out:
# the indexes they name would be written into the locks. torch's CPU wheel comes from PIP_FIND_LINKS on this
# project's machines, from PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu elsewhere. Versions that still
# fit are kept; `make lock LOCK_ARGS=--upgrade` moves every package to its newest release. Binder's lock names
# PyTorch's CPU index: where it cannot be reached, pip would retry it for every package (PIP_RETRIES=0).
PIP_COMPILE = PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-find-links $(LOCK_ARGS)
lock: $(VENV)/.test-installed
	$(PIP_COMPILE) --no-emit-index-url -o requirements.txt requirements.in
	$(PIP_COMPILE) --no-emit-index-url -o tests/requirements.txt tests/requirements.in
	PIP_RETRIES=0 $(PIP_COMPILE) -o binder/requirements.txt binder/requirements.in

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Debian's Chromium and its headless shell, where missing (booktools/browser.py says which the tools use).
browsers:
	$(PYTHON) -m booktools.browser install

# The Colab/Binder notebook next to each chapter, with the values glued by the build written into its prose.
notebooks: book $(VENV)/.test-installed
	$(BIN)/python -m booktools.notebooks

# The reader's kernel, made afresh, so nothing lingers.
# The --extra-index-url line is Binder's: offline, pip would wait on it; elsewhere PIP_EXTRA_INDEX_URL serves.
$(READER)/.installed: binder/requirements.txt
	rm -rf $(READER) && $(PYTHON) -m venv $(READER)
	grep -v '^--extra-index-url' binder/requirements.txt > $(READER)/requirements.txt
	$(READER)/bin/python -m pip install --quiet --require-hashes -r $(READER)/requirements.txt
	touch $@
