"""End-to-end tests use the `sim` and `line` fixtures of tests/conftest.py."""
