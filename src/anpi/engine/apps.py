from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "anpi.engine"
    label = "engine"

    def ready(self) -> None:
        import os

        from . import steps  # noqa: F401 - registers the engine's own actions
        from .clock import clock_from_env, set_clock
        from .greetings import validate_texts

        # Every language must have every text (engine.phrases): a missing key or
        # a bad ANPI_TEXTS_DIR stops the process here, before anything is sent.
        validate_texts()

        # Every process of one installation (web, workers) reads the same clock.
        if os.environ.get("ANPI_CLOCK"):
            set_clock(clock_from_env())
