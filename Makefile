# Engage: two commands for a newcomer.
#   make demo   install, migrate, load demo data, start the worker and serve on http://127.0.0.1:$(PORT)
#   make test   install the test extras and run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PORT   ?= 5000
BIN    := $(VENV)/bin
# Re-install only when the project's dependencies change, so a second `make demo` starts in seconds.
STAMP      := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
TEST_STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PIP_FLAGS  ?= --disable-pip-version-check --quiet

.PHONY: demo test install install-test lint bench assets translations clean help

help:
	@echo "make demo    run the demo site on http://127.0.0.1:$(PORT) (PORT=8080 make demo to change)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff and mypy"
	@echo "make assets  refresh the vendored NHS.UK frontend assets from npm"
	@echo "make translations  extract marked strings, update each language's .po, compile .mo"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip

# The demo runs the topic pipeline too, so it installs the topics extra (CPU torch first).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) $(TORCH_PIN)
	$(BIN)/pip install $(PIP_FLAGS) -e '.[topics,postgres]'
	@rm -f $(VENV)/.installed-[0-9a-f]* && touch $@

# torch first, pinned to the CPU build, so that no other package's range pulls a CUDA build.
TORCH_PIN := torch==2.13.0

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) $(TORCH_PIN)
	$(BIN)/pip install $(PIP_FLAGS) -e '.[test,dev]'
	@rm -f $(VENV)/.installed-test-* && touch $@ && touch $(STAMP)

install: $(STAMP)
install-test: $(TEST_STAMP)

demo: $(STAMP)
	$(BIN)/python -m engage.demo_runner --port $(PORT)

# One test process per core: each gets its own PostgreSQL database and SQLite files.
PYTEST_ARGS ?= -n auto --dist loadfile

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check engage topics tests bench
	$(BIN)/mypy engage topics

# Versions are pinned as a pair with nhsuk-frontend-jinja (see static/NHSUK_FRONTEND_VERSION).
NHSUK_FRONTEND_VERSION := 10.6.1
assets:
	rm -rf build/nhsuk && mkdir -p build/nhsuk
	cd build/nhsuk && npm pack nhsuk-frontend@$(NHSUK_FRONTEND_VERSION) --silent && tar xzf nhsuk-frontend-$(NHSUK_FRONTEND_VERSION).tgz
	cp build/nhsuk/package/dist/nhsuk/nhsuk-frontend.min.css build/nhsuk/package/dist/nhsuk/nhsuk-frontend.min.js static/
	cp -r build/nhsuk/package/dist/nhsuk/assets/images/. static/images/
	cp build/nhsuk/package/dist/nhsuk/assets/manifest.json static/

# Residents' interface languages: the .mo files are committed (a test fails when one is stale).
translations: $(TEST_STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --no-location --sort-output --project Engage -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete
	$(BIN)/pybabel -q compile -d translations --statistics

clean:
	rm -rf $(VENV) instance build .pytest_cache
