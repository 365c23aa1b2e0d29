# The commands a contributor needs. Each installs what it uses on a fresh machine, then does its job.
#   make book   build the book into _build/html (executes every chapter; warnings are errors)
#   make test   run the test suite (builds the book first if needed)
#   make serve  preview the built book on http://127.0.0.1:$(PORT)

PYTHON ?= python3
PORT ?= 8000
# The book folder to build; the tests point it at fixture books.
BOOK ?= .
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test serve clean notebooks

book: $(VENV)/.book-installed
	$(BIN)/jupyter-book build $(BOOK) --warningiserror --nitpick --keep-going

test: $(VENV)/.test-installed node_modules/.package-lock.json
	$(BIN)/python -m pytest tests

serve:
	@test -f _build/html/index.html || { echo "No built book in _build/html: run 'make book' first." >&2; exit 1; }
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory _build/html $(PORT) \
		|| { echo "Could not serve on port $(PORT) (in use?): try 'make serve PORT=8001'." >&2; exit 1; }

clean:
	rm -rf _build

$(VENV)/.book-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: tests/requirements.txt $(VENV)/.book-installed
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# The Colab/Binder notebook next to each chapter, with the values glued by the build written into its prose.
notebooks: book $(VENV)/.test-installed
	$(BIN)/python booktools.py notebooks

# A reader's kernel for the tests: only what Binder installs, plus ipykernel. Made afresh, so nothing lingers.
# The --extra-index-url line is Binder's: offline, pip would wait on it; elsewhere PIP_EXTRA_INDEX_URL serves.
READER := .venv-reader
$(READER)/.installed: binder/requirements.txt requirements.txt
	rm -rf $(READER) && $(PYTHON) -m venv $(READER)
	{ grep -v '^-' binder/requirements.txt; grep '^ipykernel==' requirements.txt; } > $(READER)/requirements.txt
	$(READER)/bin/python -m pip install --quiet -r $(READER)/requirements.txt
	touch $@
