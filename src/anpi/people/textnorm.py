"""What people really type, made comparable before anpi matches or validates it.

Older people in Japan type on phones with a Japanese input method: digits and Latin
letters come out full-width (「５０１７５１」「ＯＫ」), a hyphen comes out as the
prolonged-sound mark (「090ー1234ー5678」) or one of a dozen dashes, the ideographic
space (U+3000) sits between words, and a cheerful answer ends in 「！！」, 「〜」, 「ｗ」
or an emoji. Names copied from LINE profiles may carry invisible bidirectional or
zero-width characters that would reorder or hide text when anpi echoes them back.

Everything here is pure text in, text out (no database, no Django settings), so the
engine and every service can use it: ``anpi.people`` is a low layer and imports nothing
from ``anpi.engine`` or the services.

Public functions:

- :func:`normalize_input` — NFKC, dashes, whitespace; the first step of every other one.
- :func:`is_ok_text` — the natural ways of saying 「元気です」 (never a negative sentence).
- :func:`is_settings_text` — 「せってい」 / 「設定」.
- contact link codes: ``people.linkcodes`` reads them after :func:`normalize_input`.
- :func:`clean_display_name` — a name safe to echo into a chat.
- :func:`grapheme_length` — what a person counts as characters.
- :func:`normalize_email` — a deliverable address, or :class:`InvalidEmail`.
- :func:`normalize_phone_text` — a phone number ready for ``phonenumbers``.
- :func:`kana_key` / :func:`is_kana_name` — フリガナ as stored and searched (katakana).
"""

from __future__ import annotations

import unicodedata

import regex

__all__ = [
    "InvalidEmail",
    "clean_display_name",
    "grapheme_length",
    "kana_key",
    "is_kana_name",
    "is_ok_text",
    "is_settings_text",
    "normalize_email",
    "normalize_input",
    "normalize_phone_text",
]

# --- normalize_input ---------------------------------------------------------------------

#: Characters that always mean a dash/hyphen/minus (after NFKC, which already folds
#: U+FF0D FULLWIDTH HYPHEN-MINUS and U+FE63 SMALL HYPHEN-MINUS into "-").
DASHES = frozenset(
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphen, nb-hyphen, figure, en, em, bar
    "\u2043\u2212\u02d7\u2e3a\u2e3b\u30a0"  # hyphen bullet, minus, modifier minus, 2/3-em, ゠
    "\ufe58\ufe31\ufe32"  # small em dash, vertical em/en dash
)
#: The prolonged-sound mark ー (U+30FC; half-width ｰ U+FF70 becomes it under NFKC):
#: a long vowel after kana or kanji (「でーす」), a dash anywhere else (「090ー1234」).
LONG_VOWEL = "\u30fc"
_CJK_LETTER = regex.compile(r"[\p{Hiragana}\p{Katakana}\p{Han}]")
_SPACES = regex.compile(r"\s+")


def _fold_dashes(text: str) -> str:
    out: list[str] = []
    previous = ""  # the last character that was not a long-vowel mark
    for char in text:
        if char in DASHES:
            out.append("-")
        elif char == LONG_VOWEL:
            out.append(LONG_VOWEL if previous and _CJK_LETTER.match(previous) else "-")
            continue
        else:
            out.append(char)
        previous = char
    return "".join(out)


def normalize_input(text: str) -> str:
    """Typed text in one comparable form.

    1. Unicode NFKC: full-width ASCII becomes ASCII (「ＯＫ５」→「OK5」), half-width
       katakana becomes full-width (「ｹﾞﾝｷ」→「ゲンキ」), U+3000 and other spaces become
       a plain space.
    2. Every dash-like character becomes "-". The prolonged-sound mark ー stays a long
       vowel after kana or kanji (「でーす」) and becomes "-" elsewhere (「090ー1234」).
    3. Runs of whitespace become one space; the ends are stripped.

    Never raises on a ``str``; ``None`` gives "".
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _fold_dashes(text)
    return _SPACES.sub(" ", text).strip()


def _hiragana(text: str) -> str:
    """Katakana letters as hiragana (「ゲンキ」→「げんき」), for matching only."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def kana_key(text: str) -> str:
    """A name's reading in one comparable form: :func:`normalize_input` (NFKC turns
    half-width ｶﾀｶﾅ full-width), then hiragana as katakana, so 「やまだ はなこ」,
    「ﾔﾏﾀﾞ　ﾊﾅｺ」 and 「ヤマダ ハナコ」 all give 「ヤマダ ハナコ」. ``Person.name_kana``
    is stored this way and the people list searches it with the query's key."""
    text = normalize_input(text)
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


_KANA_NAME = regex.compile(r"^[\p{Katakana}ー・ ]+$")


def is_kana_name(text: str) -> bool:
    """True if ``text`` (after :func:`kana_key`) is a reading written in kana only:
    katakana, the long-vowel mark, 「・」 and spaces (a フリガナ column of a roster)."""
    return bool(_KANA_NAME.match(kana_key(text)))


# --- is_ok_text --------------------------------------------------------------------------

# Emoji and symbols a person may add to an answer. They are stripped from both ends; a
# worrying one (sad, ill, hurt, SOS, thumbs down, ✗) makes the text *not* an OK, so that
# 「げんき😢」 is left for a human rather than closing the check.
_SYMBOL_CHAR = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\p{So}\p{Sk}"
    r"\u200d\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]"
)
WORRYING_EMOJI = frozenset(
    "😢😭😿😞😔😟😕🙁☹😣😖😫😩😰😨😱😥😓😪😵🥴🤒🤕🤢🤮🤧😷🥵🥶🥺💔👎❌✖❎🆘🚑🏥💊🩹🩺⚠🚨😡😠🤯💀☠"
)
# Marks that end a cheerful sentence: 。.!！, 〜~, a stretched vowel, a small っ, 「、」,
# music notes and stars, "w"/「笑」 laughter.
_TRAILING = regex.compile(r"(?:[。.!、,…・~〜\-ーっッ♪♫♬☆★♡♥✨ w笑]|\(笑\)|\^[_o]?\^)+$")
# A kaomoji in parentheses without kana or kanji: 「(^^)」「(*^^*)」「(^o^)」 … and its
# sad relatives 「(T_T)」「(;_;)」「(´・ω・`)」, which count as worrying.
_KAOMOJI = regex.compile(r"\([^()\p{Hiragana}\p{Katakana}\p{Han}]{1,15}\)[a-z]?$")
_SAD_KAOMOJI = regex.compile(r"t_t|tt|;|´|`|>_<|泣", regex.IGNORECASE)

_YES = r"(?:はい|うん|ええ)"
_CORE = (
    r"(?:げんき|元気|だいじょうぶ|だいじょぶ|大丈夫|へいき|平気|ぶじ|無事"
    r"|ok|okay|おっけ|おけ)"
)
_ENDING = (
    r"(?:です(?:よ|ね|よね)?|でした|でございます|だよ|だね|だ|よ|やで|やよ"
    r"|にしてます|にしています|にしております|にしてる(?:よ)?|にやってます"
    r"|でやってます|でいます|でおります|でいる(?:よ)?)?"
)
_LEAD = r"(?:おかげさまで|きょうも|今日も|こちらは|わたしは|私は)"
_THANKS = r"(?:ありがとう(?:ございます)?|どうも|です)"
_SEP = r"[、,。.!]*"
_OK_SENTENCE = regex.compile(
    rf"^(?:{_YES}{_SEP})?(?:{_LEAD}{_SEP})*{_CORE}{_ENDING}(?:{_SEP}{_THANKS})?$"
    rf"|^{_YES}$"
)
# Belt and braces: a sentence with a negation is never an OK, whatever else it holds.
_NEGATION = regex.compile(r"ない|なく|ません|ず|じゃ|では|無い|無く|だめ|ダメ|駄目|not|no")
# Past this length an answer says more than "I am fine" and a human should read it.
OK_TEXT_MAX = 40


def _strip_decorations(text: str) -> str | None:
    """``text`` without emoji, kaomoji, laughter and cheerful punctuation at its ends;
    ``None`` if a worrying emoji or kaomoji was among them."""
    while True:
        before = text
        graphemes = regex.findall(r"\X", text)
        while graphemes and all(_SYMBOL_CHAR.match(c) for c in graphemes[-1]):
            if any(c in WORRYING_EMOJI for c in graphemes.pop()):
                return None
        while graphemes and all(_SYMBOL_CHAR.match(c) for c in graphemes[0]):
            if any(c in WORRYING_EMOJI for c in graphemes.pop(0)):
                return None
        text = "".join(graphemes)
        kaomoji = _KAOMOJI.search(text)
        if kaomoji:
            if _SAD_KAOMOJI.search(kaomoji.group()):
                return None
            text = text[: kaomoji.start()]
        text = _TRAILING.sub("", text)
        if text == before:
            return text


def is_ok_text(text: str) -> bool:
    """Whether a typed message says "I am fine" (the same as tapping OK).

    Accepts 「げんき」「元気です」「元気でーす」「げんきだよ〜」「ゲンキ」「ok」「ＯＫ」「Ok!」
    「はい」「はーい」「大丈夫です」「だいじょうぶ」「はい、元気です」「今日も元気です、
    ありがとう」 in any width and case, with cheerful punctuation (。.！!〜~ｗ), laughter,
    kaomoji and emoji at either end (「げんきです😊」「ok👍」).

    Refuses anything negative or uncertain: 「げんきじゃない」「元気ではありません」
    「大丈夫？」 (a question), 「げんき😢」 (a worrying emoji), and long messages that say
    more than "fine" (over :data:`OK_TEXT_MAX` characters) — a human should read those.
    """
    text = normalize_input(text)
    if not text or len(text) > OK_TEXT_MAX or "?" in text:
        return False
    stripped = _strip_decorations(_hiragana(text.casefold()))
    if not stripped:
        return False
    text = stripped
    # Long vowels and stretch marks carry no meaning here: 「でーす」 is 「です」,
    # 「おっけー」 is 「おっけ」, 「はーい」 is 「はい」.
    text = regex.sub(r"[\sー\-~〜]", "", text)
    if _NEGATION.search(text):
        return False
    return bool(_OK_SENTENCE.match(text))


# --- is_settings_text ----------------------------------------------------------------------

_SETTINGS_SENTENCE = regex.compile(
    r"^(?:せってい|設定)(?:を)?(?:へんこう|変更)?"
    r"(?:したい(?:です)?|します|する|して|おねがいします|お願いします|おねがい|お願い|ください)?$"
)


def is_settings_text(text: str) -> bool:
    """Whether a typed message asks for the settings page: 「せってい」「設定」「セッテイ」
    「ｾｯﾃｲ」, in any width, with spaces, trailing punctuation or emoji, or politely
    (「設定変更」「せっていを おねがいします」「設定したい」)."""
    text = normalize_input(text)
    if not text or len(text) > OK_TEXT_MAX:
        return False
    stripped = _strip_decorations(_hiragana(text.casefold()).replace("?", ""))
    if not stripped:
        return False
    text = stripped
    text = regex.sub(r"[\sー\-~〜、,。.!]", "", text)
    return bool(_SETTINGS_SENTENCE.match(text))


# --- is_away_text / is_away_end_text --------------------------------------------------------

_AWAY_SENTENCE = regex.compile(r"^るす(?:に)?(?:する|します|です|になる|になります)?$")
_AWAY_END_SENTENCE = regex.compile(r"^るす(?:を|は)?(?:おわり|おわる|おわります|おわりました|しゅうりょう)$")


def _away_core(text: str) -> str:
    """「るす」 words without width, script, spacing or decoration differences:
    ルス, 留守, ｒｕｓｕ are the same word; 終わり/終了 are read too."""
    text = normalize_input(text)
    if not text or len(text) > OK_TEXT_MAX:
        return ""
    stripped = _strip_decorations(_hiragana(text.casefold()))
    if not stripped:
        return ""
    for kanji, kana in (("留守", "るす"), ("rusu", "るす"), ("終わり", "おわり"), ("終わる", "おわる"),
                        ("終了", "しゅうりょう")):
        stripped = stripped.replace(kanji, kana)
    return regex.sub(r"[\sー\-~〜、,。.!?]", "", stripped)


def is_away_text(text: str) -> bool:
    """Whether a typed message asks to pause the checks: 「るす」「ルス」「留守」
    「ｒｕｓｕ」, in any width, with spaces or decorations, or 「るすに します」
    (engine.pauses, individual.pause_chat)."""
    return bool(_AWAY_SENTENCE.match(_away_core(text)))


def is_away_end_text(text: str) -> bool:
    """Whether a typed message ends a pause: 「るす おわり」「留守終わり」「ルス終了」…"""
    return bool(_AWAY_END_SENTENCE.match(_away_core(text)))


# --- clean_display_name --------------------------------------------------------------------

#: Invisible characters that reorder or hide text: bidirectional embeddings, overrides
#: and isolates, directional marks, zero-width space/joiners, word joiner, BOM, soft
#: hyphen, and other invisible format characters.
INVISIBLE = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
    "\u200b\u200c\u200d\u2060\ufeff"  # ZWSP ZWNJ ZWJ WJ BOM
    "\u00ad\u180e\u2061\u2062\u2063\u2064"  # soft hyphen, MVS, invisible operators
    "\u206a\u206b\u206c\u206d\u206e\u206f"  # deprecated format characters
)
_PICTOGRAPHIC = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]")


def _is_cjk_compatibility_ideograph(char: str) -> bool:
    # NFKC would replace these with their unified ideograph, changing the glyph a person
    # chose for their own name (異体字); they are kept as written.
    code = ord(char)
    return 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F


def _nfkc_where_safe(text: str) -> str:
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if _is_cjk_compatibility_ideograph(char):
            out.append(unicodedata.normalize("NFKC", "".join(run)))
            out.append(char)
            run = []
        else:
            run.append(char)
    out.append(unicodedata.normalize("NFKC", "".join(run)))
    return "".join(out)


def clean_display_name(text: str) -> str:
    """A name safe to echo into a chat or a page.

    Removes the invisible characters of :data:`INVISIBLE` (a zero-width joiner survives
    only between two emoji, where it builds one picture such as 👨‍👩‍👧), turns control
    characters and runs of whitespace into one space, strips the ends, and applies NFKC
    (full-width Latin to ASCII, half-width katakana to full-width) except to CJK
    compatibility ideographs, which stay as the person wrote their name.
    """
    if not text:
        return ""
    chars = list(str(text))
    kept: list[str] = []
    for i, char in enumerate(chars):
        if char == "\u200d":
            before = kept[-1] if kept else ""
            after = chars[i + 1] if i + 1 < len(chars) else ""
            if before and after and _PICTOGRAPHIC.match(before) and _PICTOGRAPHIC.match(after):
                kept.append(char)
            continue
        if char in INVISIBLE:
            continue
        kept.append(" " if unicodedata.category(char) == "Cc" else char)
    text = _nfkc_where_safe("".join(kept))
    return _SPACES.sub(" ", text).strip()


def grapheme_length(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, Unicode UAX #29): 「👍🏽」,
    「👨‍👩‍👧」 and 「が」 written with a combining mark each count as one, as
    ``Intl.Segmenter`` counts them in the browser."""
    return len(regex.findall(r"\X", text)) if text else 0


# --- normalize_email -----------------------------------------------------------------------


class InvalidEmail(ValueError):
    """An address that cannot be delivered. ``code`` says why: ``"invalid"`` or
    ``"non_ascii_local"`` (the message is Japanese; forms translate by ``code``)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


EMAIL_INVALID = "メールアドレスが ただしく ありません。"
EMAIL_NON_ASCII = "メールアドレスの @ の まえには、えいすうじ だけを つかってください。"


def normalize_email(text: str) -> str:
    """An e-mail address as typed on a Japanese phone, made deliverable.

    Full-width letters and digits become ASCII (NFKC), 「＠」 becomes "@", 「。」 and
    「．」 become ".", dashes and the prolonged-sound mark between letters become "-",
    spaces are dropped, a leading "mailto:" is removed and the domain is lower-cased.
    Raises :class:`InvalidEmail` (a ``ValueError`` with a Japanese message) for what
    is still not an address Django's ``EmailValidator`` accepts, and for a local part
    that is not ASCII.
    """
    from django.core.exceptions import ValidationError
    from django.core.validators import EmailValidator

    text = normalize_input(text).replace("。", ".").replace(" ", "")
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    if text.count("@") != 1:
        raise InvalidEmail(EMAIL_INVALID)
    local, domain = text.split("@")
    if not local.isascii():
        raise InvalidEmail(EMAIL_NON_ASCII, "non_ascii_local")
    if "." not in domain.strip("."):  # "localhost" is valid for Django, not for a contact
        raise InvalidEmail(EMAIL_INVALID)
    address = f"{local}@{domain.lower()}"
    try:
        EmailValidator()(address)
    except ValidationError as exc:
        raise InvalidEmail(EMAIL_INVALID) from exc
    return address


# --- phone numbers -------------------------------------------------------------------------

_INTERNATIONAL_JP = regex.compile(r"^(?:\+|00)\s*-?\s*81")


def normalize_phone_text(text: str) -> str:
    """A typed phone number ready for ``phonenumbers.parse(..., "JP")``.

    NFKC (full-width digits and 「＋」), every dash-like or prolonged-sound character
    (ー ｰ ― − ‐ － …) and wave dashes (〜 ~) as "-", and the international prefixes
    「+81」「＋８１」「0081」 as "+81"; a trunk zero written after them (「+81 (0)90…」
    or 「+81 090…」) is dropped.
    """
    text = normalize_input(text)
    text = regex.sub(r"[ー~〜]", "-", text)
    prefix = _INTERNATIONAL_JP.match(text)
    if prefix:
        rest = text[prefix.end() :].lstrip(" -")
        rest = regex.sub(r"^\(0\)\s*|^0(?=\d)", "", rest)
        text = "+81 " + rest
    return text


# --- answer_grade_of_text ------------------------------------------------------------------

# Graded answers typed in words (engine.answer: 少し不調 / 話したい). Matched
# after NFKC, katakana → hiragana and without spaces, anywhere in a short
# message: 「ちょっと ぐあいが わるい」「体調が悪いです」「話したいです」. Negations
# such as 「ぐあいは わるくない」 do not contain these words.
UNWELL_WORDS = (
    "ぐあいがわるい",
    "ぐあいわるい",
    "具合がわるい",
    "具合が悪い",
    "具合悪い",
    "たいちょうがわるい",
    "体調が悪い",
    "体調悪い",
    "体調がわるい",
    "しんどい",
)
TALK_WORDS = ("はなしたい", "話したい", "はなしがしたい", "話がしたい")
GRADE_TEXT_MAX = 40


def answer_grade_of_text(text: str) -> str | None:
    """ "unwell" or "talk" when a short typed message says so, else None.

    Only messages up to :data:`GRADE_TEXT_MAX` characters: a longer one says
    more, and goes to a human as it is. "talk" wins when both are said (the
    follow-up is the same; the person asked for a call)."""
    text = normalize_input(text)
    if not text or len(text) > GRADE_TEXT_MAX:
        return None
    text = _hiragana(text).replace(" ", "")
    if any(word in text for word in TALK_WORDS):
        return "talk"
    if any(word in text for word in UNWELL_WORDS):
        return "unwell"
    return None
