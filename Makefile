# ShopDesk: `make run` starts everything, `make test` runs the whole suite.
# Both create what is missing first (two Python environments, the trained model, the demo shop).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VAR          := var
UV           := $(VAR)/tools/bin/uv
APP_VENV     := .venv
ENGINE_VENV  := .venv-engine
APP_PY       := $(APP_VENV)/bin/python
RASA         := $(ENGINE_VENV)/bin/rasa
MODEL        := models/shopdesk.tar.gz
UV_VERSION   := 0.13.9

# Rasa stays quiet and keeps its caches inside the project, not in $HOME.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export MPLCONFIGDIR := $(CURDIR)/$(VAR)/cache/matplotlib
export KERAS_HOME := $(CURDIR)/$(VAR)/cache/keras
export UV_PYTHON_DOWNLOADS := never
export RASA_CACHE_DIRECTORY := $(CURDIR)/$(VAR)/cache/rasa
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:5055/webhook
export SHOPDESK_VAR_DIR ?= $(CURDIR)/$(VAR)

TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f 2>/dev/null) \
                   $(shell find bot -name '*.py')

.PHONY: secrets help install run demo-history-once run-scaled test test-fast lint model validate seed bench browser clean

help:
	@echo "make run    - set up (first time) and start ShopDesk: hub :8000, Rasa :5005, actions :5055"
	@echo "make run-scaled - the scaled profile: 2 hubs (:8000, :8001), 2 Rasa (:5005, :5006), actions, on PostgreSQL + Redis"
	@echo "make test   - set up (first time) and run the whole test suite"
	@echo "make test-fast - unit tests only (no Rasa server, no browser; needs only the 3.11 environment)"
	@echo "make lint   - ruff and mypy (strict) over the whole tree"
	@echo "make model  - train the Rasa model if the training data or config changed"
	@echo "make seed   - (re)create the demo shop database under var/"
	@echo "make validate - rasa data validate, failing on warnings"
	@echo "make bench  - benchmarks: NLU pipelines, sentence encoder, anger, escalation, FAQ retrieval, restore, conversations"
	@echo "make clean  - remove environments, models and var/"

$(UV):
	@mkdir -p $(VAR)/tools
	@py=$$(scripts/find-python --bootstrap) && "$$py" -m venv $(VAR)/tools
	$(VAR)/tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Libraries are compiled to bytecode when installed: with PYTHONDONTWRITEBYTECODE=1 (set on the CI
# machines) every process would compile them again at each start; the action server took 58 s to get
# ready at load average 9, 26 s with them compiled.
$(APP_VENV)/.installed: requirements/app.lock pyproject.toml | $(UV)
	@py=$$(scripts/find-python 3.11) && [ -x $(APP_PY) ] || $(UV) venv --quiet --python "$$py" $(APP_VENV)
	$(UV) pip sync --quiet --compile-bytecode --python $(APP_PY) requirements/app.lock
	$(UV) pip install --quiet --python $(APP_PY) --no-deps -e .
	@touch $@

$(ENGINE_VENV)/.installed: requirements/engine.lock | $(UV)
	@py=$$(scripts/find-python 3.10) && [ -x $(ENGINE_VENV)/bin/python ] || $(UV) venv --quiet --python "$$py" $(ENGINE_VENV)
	$(UV) pip sync --quiet --compile-bytecode --python $(ENGINE_VENV)/bin/python requirements/engine.lock
	@touch $@

install: $(APP_VENV)/.installed $(ENGINE_VENV)/.installed

# Trains only when the training data, the domain, the config or our Rasa components changed.
$(MODEL): $(TRAINING_INPUTS) | $(ENGINE_VENV)/.installed
	@mkdir -p models $(MPLCONFIGDIR) $(KERAS_HOME)
	PYTHONPATH=$(CURDIR) $(RASA) train --quiet --config config.yml --domain domain.yml --data data \
		--out models --fixed-model-name shopdesk --force
	@touch $@

model: $(MODEL)

validate: $(ENGINE_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(ENGINE_VENV)/bin/python scripts/validate_data.py

$(VAR)/shop.db: $(APP_VENV)/.installed
	@mkdir -p $(VAR)
	$(APP_PY) -m knowledge_base.shop.seed

seed:
	@rm -f $(VAR)/shop.db
	@$(MAKE) --no-print-directory $(VAR)/shop.db

# Debian's chromium for the browser tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "The browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# The secrets the hub, Rasa and the action server use to trust each other (made once; checked on
# every run, so a secret a newer version needs is added to an existing file).
secrets:
	@scripts/make-secrets $(VAR)/secrets.env

run: install $(MODEL) $(VAR)/shop.db secrets demo-history-once
	@if [ "$${SHOPDESK_PROFILE:-}" = scaled ]; then $(MAKE) --no-print-directory run-scaled; \
	else $(APP_VENV)/bin/honcho start -f Procfile -e $(VAR)/secrets.env; fi

# The first `make run` of a checkout fills the Reports screen with 30 days of clearly marked demo
# history, so a new user sees what it is for: only on the embedded database (no DATABASE_URL), only
# once (var/.demo-history remembers it, also after `shopdesk demo-history --remove`), and not with
# SHOPDESK_DEMO_HISTORY=0.
demo-history-once: $(APP_VENV)/.installed
	@if [ -z "$${DATABASE_URL:-}" ] && [ "$${SHOPDESK_DEMO_HISTORY:-1}" != 0 ] && [ ! -e $(VAR)/.demo-history ]; then \
		echo "First run: filling the Reports screen with 30 days of DEMO history (about 15 s)."; \
		echo "  SHOPDESK_DEMO_HISTORY=0 make run skips it; $(APP_VENV)/bin/shopdesk demo-history --remove deletes it."; \
		$(APP_VENV)/bin/shopdesk demo-history --days 30 && touch $(VAR)/.demo-history; fi

# The scaled profile on one machine (docs/SCALING.md): two hub replicas behind no balancer (use
# either port, or put one in front), two Rasa processes with each conversation sticky to one,
# PostgreSQL for the hub and Rasa's trackers, Redis for events, leases and Rasa's locks.
SCALED_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/shopdesk
SCALED_REDIS_URL    ?= redis://127.0.0.1:6379/0
run-scaled: install $(MODEL) $(VAR)/shop.db secrets
	@DATABASE_URL=$${DATABASE_URL:-$(SCALED_DATABASE_URL)} SHOPDESK_REDIS_URL=$${SHOPDESK_REDIS_URL:-$(SCALED_REDIS_URL)} \
		scripts/check-scaled $(APP_PY)
	DATABASE_URL=$${DATABASE_URL:-$(SCALED_DATABASE_URL)} SHOPDESK_REDIS_URL=$${SHOPDESK_REDIS_URL:-$(SCALED_REDIS_URL)} \
	SHOPDESK_LOCK_STORE_URL=$${SHOPDESK_LOCK_STORE_URL:-redis://127.0.0.1:6379/1} \
	RASA_URL=http://127.0.0.1:5005,http://127.0.0.1:5006 SHOPDESK_LOG_FORMAT=json \
		$(APP_VENV)/bin/honcho start -f Procfile.scaled -e $(VAR)/secrets.env

test: install $(MODEL) validate browser lint
	PYTHONPATH=$(CURDIR) $(ENGINE_VENV)/bin/python -m pytest -c tests/bot/pytest.ini tests/bot
	$(APP_PY) -m pytest

# The application's unit tests need only the 3.11 environment (not Rasa's 2.7 GB).
test-fast: $(APP_VENV)/.installed
	$(APP_PY) -m pytest -m "not integration and not e2e"

lint: $(APP_VENV)/.installed
	$(APP_VENV)/bin/ruff check .
	$(APP_VENV)/bin/mypy

bench: install
	PYTHONPATH=$(CURDIR) $(ENGINE_VENV)/bin/python bench/nlu.py
	PYTHONPATH=$(CURDIR) $(ENGINE_VENV)/bin/python bench/encoder.py
	$(APP_PY) bench/faq.py
	@$(MAKE) --no-print-directory model
	$(APP_PY) bench/welcome.py
	$(APP_PY) bench/restore.py
	$(APP_PY) bench/conversations.py

clean:
	rm -rf $(APP_VENV) $(ENGINE_VENV) models $(VAR)
