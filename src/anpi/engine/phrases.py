"""What anpi says, per language, from data files that staff can extend.

The texts live in TOML files, one folder per language (``people.models.Language``:
``easy_ja`` — the default, ``ja``, ``en``, ``zh``, ``vi``)::

    engine/texts/<language>/person.toml     what the watched person is told
    engine/texts/<language>/contacts.toml   what their emergency contacts are told
    engine/texts/<language>/greetings.toml  the first line of the day's check
                                            (engine.greetings)

``settings.ANPI_TEXTS_DIR`` (environment ``ANPI_TEXTS_DIR``) names a folder of
the same shape whose files override single keys and add greetings
(docs/texts.md). Templates use ``str.format`` placeholders such as ``{name}``.

Loading fails loudly (``TextsError``, raised at start-up by
``EngineConfig.ready`` and in tests) when a language lacks a key that the
reference language has, has a key the reference lacks, or uses other
placeholders: the reference is ``easy_ja`` for person texts and ``ja`` for
contact texts. Contacts of a person who chose やさしい日本語 are adults
reached about an emergency, so they get ordinary Japanese (``contact_language``);
``easy_ja`` has no contacts file.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BUILTIN_DIR = Path(__file__).parent / "texts"
LANGUAGES = ("easy_ja", "ja", "en", "zh", "vi")  # the values of people.models.Language
DEFAULT_LANGUAGE = "easy_ja"
PERSON_REFERENCE = "easy_ja"
CONTACT_REFERENCE = "ja"
CONTACT_LANGUAGES = ("ja", "en", "zh", "vi")


class TextsError(ImproperlyConfigured):
    """A text file is missing, unreadable, or disagrees with the reference language."""


@dataclass(frozen=True)
class Texts:
    """Every language's templates: ``person[lang][key]``, ``contact[lang][key]``,
    and the raw greeting tables ``greetings[lang]`` (read by engine.greetings)."""

    person: dict[str, dict[str, str]]
    contact: dict[str, dict[str, str]]
    greetings: dict[str, dict[str, Any]]


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses. Raises TextsError on a malformed one."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field}
    except ValueError as exc:
        raise TextsError(f"malformed template {template!r}: {exc}") from exc


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TextsError(f"{path}: {exc}") from exc


def _merge_greetings(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Lists are extended (more sayings, more weather words); single lines replaced."""
    merged = {key: (dict(value) if isinstance(value, dict) else value) for key, value in base.items()}
    for key, value in extra.items():
        if isinstance(value, list):
            merged[key] = list(merged.get(key, [])) + value
        elif isinstance(value, dict):
            table = merged.setdefault(key, {})
            for sub, item in value.items():
                if isinstance(item, list):
                    table[sub] = list(table.get(sub, [])) + item
                else:
                    table[sub] = item
        else:
            merged[key] = value
    return merged


def _strings(path_name: str, table: dict[str, Any]) -> dict[str, str]:
    for key, value in table.items():
        if not isinstance(value, str):
            raise TextsError(f"{path_name}: {key} must be a string, not {type(value).__name__}")
    return dict(table)


def completeness_problems(
    tables: dict[str, dict[str, str]], reference: str, what: str
) -> list[str]:
    """Every difference from the reference language: missing or extra keys,
    other placeholders. Empty when all languages agree."""
    problems = []
    ref = tables.get(reference, {})
    for language, table in tables.items():
        for key in sorted(ref.keys() - table.keys()):
            problems.append(f"{what} {language}: missing {key!r}")
        for key in sorted(table.keys() - ref.keys()):
            problems.append(f"{what} {language}: {key!r} is not in {reference}")
        for key in sorted(ref.keys() & table.keys()):
            if placeholders(ref[key]) != placeholders(table[key]):
                problems.append(
                    f"{what} {language}: {key!r} uses {sorted(placeholders(table[key]))}, "
                    f"{reference} uses {sorted(placeholders(ref[key]))}"
                )
    return problems


def load_texts(extra_dir: str | Path | None = None) -> Texts:
    """Read the built-in files, then ``extra_dir`` (ANPI_TEXTS_DIR) over them.
    Raises TextsError if any language disagrees with its reference."""
    dirs = [BUILTIN_DIR] + ([Path(extra_dir)] if extra_dir else [])
    if extra_dir and not Path(extra_dir).is_dir():
        raise TextsError(f"ANPI_TEXTS_DIR {extra_dir} is not a folder")
    person: dict[str, dict[str, str]] = {}
    contact: dict[str, dict[str, str]] = {}
    greetings: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        person[language], greetings[language] = {}, {}
        if language in CONTACT_LANGUAGES:
            contact[language] = {}
        for folder in dirs:
            base = folder / language
            person[language].update(_strings(f"{base}/person.toml", _read(base / "person.toml")))
            greetings[language] = _merge_greetings(
                greetings[language], _read(base / "greetings.toml")
            )
            if language in CONTACT_LANGUAGES:
                contact[language].update(
                    _strings(f"{base}/contacts.toml", _read(base / "contacts.toml"))
                )
    problems = completeness_problems(person, PERSON_REFERENCE, "person.toml")
    problems += completeness_problems(contact, CONTACT_REFERENCE, "contacts.toml")
    if not person[PERSON_REFERENCE] or not contact[CONTACT_REFERENCE]:
        problems.append(f"no texts found in {BUILTIN_DIR}")
    if problems:
        raise TextsError("anpi texts disagree between languages:\n" + "\n".join(problems))
    return Texts(person, contact, greetings)


@cache
def texts() -> Texts:
    """The installation's texts (built-in, then ANPI_TEXTS_DIR), read once."""
    return load_texts(getattr(settings, "ANPI_TEXTS_DIR", "") or None)


def language_of(value: str | None) -> str:
    """A known language code; anything else (empty, retired) is the default."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def contact_language(person_language: str | None) -> str:
    """The language contacts of a person are told in: the person's own, except
    that やさしい日本語 becomes ordinary Japanese (docs/texts.md)."""
    language = language_of(person_language)
    return "ja" if language == "easy_ja" else language


def say(language: str | None, key: str, **values: Any) -> str:
    """The person text ``key`` in ``language``, filled in. Raises KeyError for a
    key no language has (a programming error, caught by the tests)."""
    return texts().person[language_of(language)][key].format(**values)


def say_to_contact(language: str, key: str, **values: Any) -> str:
    """The contact text ``key`` in ``language`` (one of CONTACT_LANGUAGES)."""
    return texts().contact[language][key].format(**values)


RULE = "\n――――\n"  # between the two languages of a contact notice


def in_contact_languages(
    person_language: str | None, build: Callable[[str], str], separator: str = RULE
) -> str:
    """A notice to contacts: ``build(language)`` in the person's contact language
    (phrases.contact_language); when that is not Japanese, the Japanese text
    follows under a rule. The contact may be family who share the person's
    language or a Japanese neighbour, landlord or carer: an emergency notice
    must reach both (docs/texts.md)."""
    language = contact_language(person_language)
    if language == "ja":
        return build("ja")
    return f"{build(language)}{separator}{build('ja')}"


def contact_subject(person_language: str | None, key: str, **values: Any) -> str:
    """An e-mail subject to contacts: the contact text ``key`` in the person's
    contact language(s), on one line (``in_contact_languages``)."""
    return in_contact_languages(
        person_language,
        lambda language: say_to_contact(language, key, **values),
        separator=" / ",
    )
