# Two commands for a fresh machine with Python 3.11+ and make:
#   make run   – create .venv, install, migrate, load the bundled content, serve on :8000
#   make test  – run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DJANGO_DEBUG=1

.PHONY: run serve test bench install install-dev migrate content lint format clean

run: install migrate content
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The production configuration on this machine: DEBUG off, collected and hashed
# static files served by whitenoise, gunicorn on 127.0.0.1:8000. Plain HTTP, so
# DJANGO_HTTPS=0; a throwaway secret key is generated unless one is set.
SERVE_ENV := DJANGO_DEBUG=0 DJANGO_HTTPS=0 \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')}

serve: install
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py load_content
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(SERVE_ENV) exec $(BIN)/gunicorn sco_site.wsgi --config gunicorn.conf.py

test: install-dev
	$(BIN)/python -m pytest

# The benchmark (docs/performance.md): wrk from Debian's packages, then bench/run.py.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--sizes 1000 --duration 5".
bench: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y wrk; } || \
		{ echo "bench: wrk is missing; install it with: sudo apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install-dev
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

format: install-dev
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when a requirements file changes, so repeated runs are quick.
$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed-runtime $@

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

content: install
	$(DEV) $(BIN)/python manage.py load_content

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
