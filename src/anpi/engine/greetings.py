"""The first line of the day's check: a greeting that changes by day.

A message that always says the same is soon not read any more; the NPOs this
follows add a seasonal word or a short saying. The lines come from each
language's ``greetings.toml`` (engine.phrases, docs/texts.md):

- ``[holidays]``: a line per Japanese public holiday, keyed by the holiday
  library's English name (``holidays``, as ``people.schedule`` uses for
  skip_holidays), and ``default`` for any other holiday;
- ``[terms]``: a line per solar term (二十四節気, ``texts/solar_terms.toml``);
- ``[seasons]``: weather words of ``spring`` (March–May), ``summer``
  (June–August), ``autumn`` (September–November), ``winter`` (December–February);
- ``sayings``: short sayings.

``greeting_for(day, language)``, deterministic by (day, language) so that a
multicast stays identical for everyone of one language on one day:

1. a public holiday → its line (or ``default``);
2. the first day of a solar term → the term's line;
3. else the line at ``day.toordinal() % n`` of the pool [the current term's
   line, the season's weather words, the sayings] — so two days in a row never
   get the same line from the same pool.

The day is the check's due date in the tenant's time zone (the engine never
reads the system clock).
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from typing import Any

import holidays

from .phrases import BUILTIN_DIR, LANGUAGES, Texts, TextsError, language_of, texts

SEASONS = {
    **dict.fromkeys((3, 4, 5), "spring"),
    **dict.fromkeys((6, 7, 8), "summer"),
    **dict.fromkeys((9, 10, 11), "autumn"),
    **dict.fromkeys((12, 1, 2), "winter"),
}


@cache
def solar_terms() -> tuple[tuple[str, int, int], ...]:
    """(key, month, day) of each solar term's approximate first day, in calendar order."""
    with (BUILTIN_DIR / "solar_terms.toml").open("rb") as fh:
        rows = tomllib.load(fh)["terms"]
    return tuple((row["key"], row["month"], row["day"]) for row in rows)


def solar_term(day: date) -> tuple[str, bool]:
    """The solar term ``day`` falls in, and whether it starts that day."""
    current = solar_terms()[-1][0]  # before 小寒 (Jan 1–4): still 冬至 of last year
    for key, month, first in solar_terms():
        if (day.month, day.day) >= (month, first):
            current = key
        if (day.month, day.day) == (month, first):
            return key, True
    return current, False


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year, language="en_US")


def holiday_name(day: date) -> str | None:
    """The English name of the Japanese public holiday on ``day``, or None."""
    return _holidays(day.year).get(day)


def greeting_for(day: date, language: str | None) -> str:
    """The greeting line for ``day`` in ``language`` (module docstring)."""
    table = texts().greetings[language_of(language)]
    holiday = holiday_name(day)
    if holiday is not None:
        lines = table["holidays"]
        return str(lines.get(holiday, lines["default"]))
    key, first_day = solar_term(day)
    if first_day:
        return str(table["terms"][key])
    pool = [table["terms"][key], *table["seasons"][SEASONS[day.month]], *table["sayings"]]
    return str(pool[day.toordinal() % len(pool)])


def every_greeting(language: str) -> list[str]:
    """Every line ``greeting_for`` can give in ``language`` (for the lint test)."""
    return [str(line) for line in every_line(texts().greetings[language])]


def every_line(table: dict[str, Any]) -> list[Any]:
    """The lines of one language's greeting tables, in file order."""
    lines = [*table.get("holidays", {}).values(), *table.get("terms", {}).values()]
    lines += list(table.get("sayings", []))
    for words in table.get("seasons", {}).values():
        lines += list(words)
    return lines


def greeting_problems(loaded: Texts) -> list[str]:
    """What a greetings.toml lacks: a line for every solar term, a default
    holiday line, weather words for every season, at least one saying."""
    problems = []
    terms = {key for key, _, _ in solar_terms()}
    for language in LANGUAGES:
        table: dict[str, Any] = loaded.greetings.get(language, {})
        where = f"greetings.toml {language}"
        missing = terms - set(table.get("terms", {}))
        if missing:
            problems.append(f"{where}: no line for the terms {sorted(missing)}")
        if "default" not in table.get("holidays", {}):
            problems.append(f"{where}: no [holidays] default")
        for season in ("spring", "summer", "autumn", "winter"):
            if not table.get("seasons", {}).get(season):
                problems.append(f"{where}: no weather words for {season}")
        if not table.get("sayings"):
            problems.append(f"{where}: no sayings")
        for line in every_line(table):
            if not isinstance(line, str) or not line.strip():
                problems.append(f"{where}: {line!r} is not a line of text")
    return problems


def validate_texts() -> None:
    """Load every text and greeting; raise TextsError if anything is missing.
    Called at start-up (EngineConfig.ready) so a bad ANPI_TEXTS_DIR stops the
    process before it sends anything."""
    problems = greeting_problems(texts())
    if problems:
        raise TextsError("anpi greetings are incomplete:\n" + "\n".join(problems))
