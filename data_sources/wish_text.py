"""Checks on the short text of a wish: contact details and blocked words (README, "Wishes").

A wish is anonymous: its text must not carry a way to reach anyone. Contact details (e-mail addresses, phone
numbers, web addresses, @handles) are found by pattern and replaced by a placeholder before anything is stored, and
the wish is rejected with the reason. Insults are words of the city's word lists (data files named in its TOML,
``[wishes] blocked_words``), matched as whole words with accents, case and common digit-for-letter swaps ignored; the
wish is rejected with the words found, and a moderator still sees it. Plain Python, no Django.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from data_sources.errors import ConfigError

#: The longest text a wish may carry (characters, after surrounding spaces are removed).
MAX_WISH_TEXT = 280

#: Kinds of contact detail, in the order they are looked for (an e-mail before its ``@`` is taken for a handle).
CONTACT_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(
        r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+", re.IGNORECASE
    ),
    "url": re.compile(
        r"(?:\bhttps?://|\bwww\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|it|org|net|eu|info|io|me|br|ly|gg|tv|app|co)\b(?:/\S*)?",
        re.IGNORECASE,
    ),
    "phone": re.compile(r"(?:\+|\b00)?\d(?:[\s.\-/()]{0,2}\d){6,}"),
    "handle": re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,}"),
}
PLACEHOLDER = {"email": "[e-mail]", "url": "[link]", "phone": "[phone]", "handle": "[@handle]"}
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class TextCheck:
    """What the checks found in a wish text.

    Attributes
    ----------
    text
        The text as it may be stored: trimmed, control characters removed, contact details replaced.
    contacts
        The kinds of contact detail found (``email``, ``url``, ``phone``, ``handle``), each once.
    blocked
        The blocked words or phrases found, each once, as the list writes them.
    """

    text: str
    contacts: tuple[str, ...]
    blocked: tuple[str, ...]

    @property
    def acceptable(self) -> bool:
        return not self.contacts and not self.blocked


def clean_text(text: str) -> str:
    """The text without control and direction-override characters, spaces collapsed, trimmed."""
    return re.sub(r"\s+", " ", _CONTROL.sub("", unicodedata.normalize("NFC", text))).strip()


def redact_contacts(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with every contact detail replaced by its placeholder, and the kinds found."""
    found: list[str] = []
    for kind, pattern in CONTACT_PATTERNS.items():
        text, count = pattern.subn(PLACEHOLDER[kind], text)
        if count:
            found.append(kind)
    return text, tuple(found)


def _fold(text: str) -> str:
    """Lower case, accents removed, digits and symbols that stand for letters replaced (``st0p1d0`` → ``stopido``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(_LEET)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", _fold(text))


def blocked_words_in(text: str, blocked: Iterable[str]) -> tuple[str, ...]:
    """The entries of ``blocked`` (words or phrases) that occur in ``text`` as whole words, in list order."""
    words = _words(text)
    joined = f" {' '.join(words)} "
    found = []
    for entry in blocked:
        phrase = " ".join(_words(entry))
        if phrase and f" {phrase} " in joined:
            found.append(entry)
    return tuple(dict.fromkeys(found))


def check_wish_text(text: str, blocked: Iterable[str]) -> TextCheck:
    """Clean ``text``, replace its contact details and find its blocked words (see the module's docstring)."""
    cleaned = clean_text(text)
    redacted, contacts = redact_contacts(cleaned)
    return TextCheck(text=redacted, contacts=contacts, blocked=blocked_words_in(cleaned, blocked))


def read_word_list(path: str | Path) -> list[str]:
    """One word or phrase a line; blank lines and lines starting with ``#`` are skipped."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"word list {path} does not exist") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"word list {path} is not UTF-8 text ({error})") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
