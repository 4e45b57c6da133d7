"""bench/lighthouse_pages.py runs under pytest (`make lighthouse-performance`) with the test suite's
database set-up and fixtures (the roles, collected static files, private storage)."""

from tests.conftest import *  # noqa: F403
