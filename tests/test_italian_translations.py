"""Italian pages are entirely Italian: every message of the catalogues has its Italian text, and every literal
string the templates, scripts and Python code mark for translation is in a catalogue (so a string added without
running makemessages and translating it fails here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "web" / "locale" / "it" / "LC_MESSAGES"


def _unquote(line: str) -> str:
    return ast.literal_eval(line.strip())


def read_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file: msgid, msgid_plural, msgstr (a list: one text, or one per plural form), flags.

    Obsolete entries (``#~``) are left out; the header (empty msgid) too.
    """
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""

    def close() -> None:
        if current.get("msgid"):
            entries.append(dict(current))
        current.clear()

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            close()
            key = ""
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            current["flags"] = {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if key == "msgstr":
                current["msgstr"][-1] += _unquote(line)  # type: ignore[index]
            else:
                current[key] = str(current[key]) + _unquote(line)
            continue
        word, _, rest = line.partition(" ")
        if word.startswith("msgstr"):
            key = "msgstr"
            current.setdefault("msgstr", []).append(_unquote(rest))  # type: ignore[union-attr]
        else:
            key = word
            current[key] = _unquote(rest)
    return entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_has_an_italian_text(domain: str) -> None:
    entries = read_po(LOCALE / f"{domain}.po")
    assert len(entries) > 30, f"{domain}.po looks empty"
    missing = [e["msgid"] for e in entries if not all(str(s).strip() for s in e["msgstr"])]  # type: ignore[union-attr]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", set())]  # type: ignore[operator]
    assert missing == [], f"{domain}.po: no Italian for {missing}"
    assert fuzzy == [], f"{domain}.po: a guessed (fuzzy) Italian, not checked by a person, for {fuzzy}"


def test_the_parser_sees_a_missing_translation(tmp_path: Path) -> None:
    """The check above can fail: an entry with an empty msgstr (or one empty plural form) is reported."""
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: it\\n"\n\nmsgid "Hello"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "uno"\nmsgstr[1] ""\n\n'
        'msgid "Long "\n"text"\nmsgstr "Testo "\n"lungo"\n',
        encoding="utf-8",
    )
    entries = {str(e["msgid"]): e for e in read_po(po)}
    assert entries["Hello"]["msgstr"] == [""]
    assert entries["one"]["msgstr"] == ["uno", ""]
    assert entries["Long text"]["msgstr"] == ["Testo lungo"]


TEMPLATE_STRING = re.compile(r"""\{%\s*translate\s+(?P<q>["'])(?P<text>.*?)(?P=q)""")
JS_STRING = re.compile(r"""\b(?:gettext|ngettext)\(\s*"(?P<text>(?:[^"\\]|\\.)*)"\s*[,)]""")
PY_STRING = re.compile(r"""(?<![\w.])(?:_|gettext|gettext_lazy|ngettext)\(\s*"(?P<text>(?:[^"\\]|\\.)*)"\s*[,)%]""")


def _literals(pattern: re.Pattern[str], files: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in files:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            text = match.group("text")
            if "\\" in text:  # a literal's escapes (\n, \") as the catalogue holds them
                text = text.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            found[text] = path
    return found


def test_every_marked_string_is_in_a_catalogue() -> None:
    django_ids = {str(e["msgid"]) for e in read_po(LOCALE / "django.po")}
    js_ids = {str(e["msgid"]) for e in read_po(LOCALE / "djangojs.po")}
    templates = sorted((REPO / "web" / "templates").rglob("*.html"))
    scripts = sorted((REPO / "web" / "static" / "web").glob("*.js"))
    python = [
        p for folder in ("web", "geo") for p in sorted((REPO / folder).rglob("*.py")) if "migrations" not in p.parts
    ]
    # makemessages writes a template's "%" as "%%" (the catalogue's python-format)
    in_templates = {text.replace("%", "%%"): path for text, path in _literals(TEMPLATE_STRING, templates).items()}
    marked = in_templates | _literals(PY_STRING, python)
    assert len(marked) > 100
    missing = {text: str(path.relative_to(REPO)) for text, path in marked.items() if text not in django_ids}
    assert missing == {}, f"marked for translation but not in django.po (run makemessages and translate): {missing}"
    js_marked = _literals(JS_STRING, scripts)
    assert len(js_marked) > 20
    js_missing = {text: str(path.relative_to(REPO)) for text, path in js_marked.items() if text not in js_ids}
    assert js_missing == {}, f"marked for translation but not in djangojs.po: {js_missing}"
