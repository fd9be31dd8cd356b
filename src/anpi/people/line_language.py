"""The language of a LINE user's app, as one of the languages anpi speaks.

LINE's profile carries a BCP 47 tag (``language``: "ja", "en", "en-US",
"zh-Hans", "zh-Hant", "vi" …; absent when the user has not agreed to LINE's
privacy policy). A new friend is greeted in it before they can tell anpi
anything (individual.actions.do_follow), so the mapping is forgiving about the
tag's shape and strict about the language: a tag anpi has no texts for gives
None, and the caller keeps its default.
"""

from __future__ import annotations

from .models import Language

# The primary subtag → anpi's language. Japanese maps to ordinary Japanese: the
# caller decides whether that replaces the default やさしい日本語 (it does not).
# All Chinese, Simplified or Traditional (zh-Hant, zh-TW, zh-HK), maps to anpi's
# one Chinese, which is written in Simplified characters: a Traditional reader
# reads it far better than Japanese, and can choose another language with 「ことば」.
PRIMARY = {
    "ja": Language.JA,
    "en": Language.EN,
    "zh": Language.ZH,
    "vi": Language.VI,
}


def language_of_line_tag(tag: str | None) -> str | None:
    """anpi's language (a ``Language`` value) for LINE's ``tag``, or None when
    the tag is empty, malformed, or a language anpi does not speak."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].casefold()
    found = PRIMARY.get(primary)
    return found.value if found is not None else None
