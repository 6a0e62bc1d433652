"""Settings modules: `production` for the site, `test` for the test suite.

manage.py, wsgi.py and asgi.py default to `sco_site.settings.production` (a
developer's machine is the same settings with DJANGO_DEBUG=1); pytest uses
`sco_site.settings.test` (pyproject.toml). Both start from `base`. This package
itself holds no settings, so that importing `test` never runs `production`'s
refusal to start without a secret key.
"""
