"""A LINE app's language (the profile's BCP 47 tag) as one of anpi's languages:
any English, Chinese or Vietnamese tag finds anpi's; a language anpi does not
speak, or no tag at all, finds none (the greeting stays やさしい日本語)."""

from __future__ import annotations

import pytest

from anpi.people.line_language import language_of_line_tag


@pytest.mark.parametrize(
    "tag, language",
    [
        ("en", "en"),
        ("en-US", "en"),
        ("EN-gb", "en"),
        ("zh-Hans", "zh"),
        ("zh-CN", "zh"),
        ("zh_CN", "zh"),
        ("zh-Hant", "zh"),  # anpi has one Chinese: better read than Japanese
        ("zh-TW", "zh"),
        ("vi", "vi"),
        ("vi-VN", "vi"),
        ("ja", "ja"),
        ("ja-JP", "ja"),
        (" en ", "en"),
    ],
)
def test_a_tag_of_a_language_anpi_speaks_finds_it(tag, language):
    assert language_of_line_tag(tag) == language


@pytest.mark.parametrize("tag", ["ko", "th", "id", "es-419", "pt-BR", "", None, "-", "english"])
def test_any_other_tag_finds_no_language(tag):
    assert language_of_line_tag(tag) is None
