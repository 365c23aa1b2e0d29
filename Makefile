# The commands a contributor needs. Each installs what it uses on a fresh machine, then does its job.
#   make book   build the book into _build/html (executes every chapter; warnings are errors)
#   make test   run the test suite (builds the book first if needed)
#   make serve  preview the built book on http://127.0.0.1:$(PORT)
#   make live   the same, with live code on a private local Jupyter kernel (Ctrl-C stops both)
#   make links  check every external link (needs the network; internal links are checked by every build)

PYTHON ?= python3
PORT ?= 8000
# The book folder to build; the tests point it at fixture books.
BOOK ?= .
VENV := .venv
BIN := $(VENV)/bin
# thebe (live code), served from the site itself so that nothing loads from a CDN; MathJax and Font Awesome (the
# theme's version), which booktools/ turns into the pages' math and icons at build time.
VENDORED := thebe@0.9.3 mathjax@3.2.2 @fortawesome/fontawesome-free@6.5.2
VENDOR := _build/vendor
# The browser the tests drive (on GitHub's runners: CHROMIUM=/usr/bin/google-chrome).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: book test serve live clean notebooks links lighthouse benchmark

book: $(VENV)/.book-installed $(VENDOR)/.unpacked node_modules/.package-lock.json
	$(BIN)/jupyter-book build $(BOOK) --warningiserror --nitpick --keep-going

test: $(VENV)/.test-installed node_modules/.package-lock.json $(CHROMIUM)
	$(BIN)/python -m pytest tests

links: $(VENV)/.book-installed $(VENDOR)/.unpacked
	$(BIN)/jupyter-book build $(BOOK) --builder linkcheck

serve:
	@test -f _build/html/index.html || { echo "No built book in _build/html: run 'make book' first." >&2; exit 1; }
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory _build/html $(PORT) \
		|| { echo "Could not serve on port $(PORT) (in use?): try 'make serve PORT=8001'." >&2; exit 1; }

live: book
	$(BIN)/python -m booktools.live_server --port $(PORT)

clean:
	rm -rf _build

# Lighthouse scores of every chapter page into _build/benchmark/ (npx fetches Lighthouse 12.2.3 on first use).
lighthouse: book $(VENV)/.test-installed $(CHROMIUM)
	$(BIN)/python -m booktools.lighthouse

# Build times, page weights, Lighthouse, live code and the test suite, measured; the README's table rewritten.
benchmark: book $(VENV)/.test-installed node_modules/.package-lock.json $(CHROMIUM)
	$(BIN)/python -m booktools.benchmark --readme

$(VENV)/.book-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: tests/requirements.txt $(VENV)/.book-installed
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Only the packages' built files, from their npm tarballs: `npm install thebe` would add 600 MB of its build tools.
$(VENDOR)/.unpacked: Makefile
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cd $(VENDOR) && for package in $(VENDORED); do \
		tarball=$$(npm pack --silent $$package) && mkdir -p $${package%@*} \
		&& tar xzf $$tarball -C $${package%@*} --strip-components=1 && rm $$tarball || exit 1; \
	done
	touch $@

$(CHROMIUM):
	@echo "The browser tests need Chromium at $(CHROMIUM): installing Debian's (or set CHROMIUM=...)." >&2
	apt-get update -qq && apt-get install -y -qq chromium

# The Colab/Binder notebook next to each chapter, with the values glued by the build written into its prose.
notebooks: book $(VENV)/.test-installed
	$(BIN)/python -m booktools.notebooks

# A reader's kernel for the tests: only what Binder installs, plus ipykernel. Made afresh, so nothing lingers.
# The --extra-index-url line is Binder's: offline, pip would wait on it; elsewhere PIP_EXTRA_INDEX_URL serves.
READER := .venv-reader
$(READER)/.installed: binder/requirements.txt requirements.txt
	rm -rf $(READER) && $(PYTHON) -m venv $(READER)
	{ grep -v '^-' binder/requirements.txt; grep '^ipykernel==' requirements.txt; } > $(READER)/requirements.txt
	$(READER)/bin/python -m pip install --quiet -r $(READER)/requirements.txt
	touch $@
