"""`anpi web` starts gunicorn the way docs/operations.md promises."""

from __future__ import annotations

from anpi.cli import web_argv


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_anpi_web_runs_threaded_workers_by_default():
    argv = web_argv([])
    assert _option(argv, "--worker-class") == "gthread"
    assert _option(argv, "--workers") == "2"
    assert _option(argv, "--threads") == "8"


def test_anpi_web_passes_the_threads_it_was_given_to_gunicorn():
    argv = web_argv(["--threads", "4", "--workers", "3", "--port", "9000"])
    assert _option(argv, "--threads") == "4"
    assert _option(argv, "--workers") == "3"
    assert _option(argv, "--bind") == "127.0.0.1:9000"


def test_anpi_web_hands_unknown_options_to_gunicorn():
    argv = web_argv(["--timeout", "30"])
    assert argv[-2:] == ["--timeout", "30"]


def test_anpi_with_no_command_lists_the_commands_without_needing_keys():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANPI_", "DJANGO_"))}
    for argv in ([], ["--help"], ["help"]):
        done = subprocess.run(
            [sys.executable, "-m", "anpi.cli", *argv],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "anpi demo-otp" in done.stdout and "anpi createtenant" in done.stdout


def test_anpi_help_takes_the_commands_spelled_as_the_readme_spells_them(capsys):
    import pytest

    from anpi.cli import main

    with pytest.raises(SystemExit):
        main(["help", "sim"])
    assert "--port" in capsys.readouterr().out
