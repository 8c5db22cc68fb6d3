"""Superset's Bahasa Indonesia pack (ops/superset/language_pack.py): Superset's own messages, translated whole, and
installed where Superset reads it. The browser tests in tests/test_superset.py check what a reader then sees."""

from __future__ import annotations

import gettext
import importlib.util
import json
import re
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[1]
SUPERSET = next((REPO / ".venv-superset" / "lib").glob("python3*/site-packages/superset"))
# the English words a dashboard user and a village visitor met before the pack (issue 25)
MET = ["Filters and controls", "Apply filters", "Clear all", "Show", "entries per page", "Search",
       "No results were returned for this query", "Sign in", "Username", "Password"]
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]+\))?[sd]")


def _pack():
    spec = importlib.util.spec_from_file_location("language_pack", REPO / "ops" / "superset" / "language_pack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _superset_messages() -> set[str]:
    """Every message Superset can translate: its catalogue (messages.pot) and the literal texts its browser code
    passes to ``t()``/``tn()`` (the bundle holds a few newer than the catalogue)."""
    with (SUPERSET / "translations" / "messages.pot").open("rb") as f:
        out = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for bundle in (SUPERSET / "static" / "assets").glob("*.js"):
        for m in re.finditer(r'\.tn?\)\("((?:[^"\\]|\\.){1,300})"', bundle.read_text(errors="ignore")):
            out.add(json.loads(f'"{m.group(1)}"'))
    return out


def test_every_entry_is_a_message_of_superset_translated_with_its_placeholders():
    messages = _superset_messages()
    entries = [m for m in _pack().catalog() if m.id]
    assert len(entries) >= 100
    unknown = [m.id for m in entries if (m.id if isinstance(m.id, str) else m.id[0]) not in messages]
    assert unknown == [], f"not a message of this Superset (a typo, or moved by an upgrade): {unknown}"
    for m in entries:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strings) and not m.fuzzy, f"untranslated: {ids[0]!r}"
        for text in strings:
            assert Counter(PLACEHOLDER.findall(text)) == Counter(PLACEHOLDER.findall(ids[0])), (ids[0], text)
            assert text != ids[0] or text in {"Status", "Info"}, f"left English: {text!r}"


def test_the_pack_compiles_for_the_browser_and_the_server(tmp_path):
    pack = _pack()
    into = pack.install(into=tmp_path)
    data = json.loads((into / "messages.json").read_text(encoding="utf-8"))["locale_data"]["superset"]
    assert data[""]["lang"] == "id"
    with (into / "messages.mo").open("rb") as f:
        server = gettext.GNUTranslations(f)
    for english in MET:
        assert english in data and data[english][0] != english, english
        assert server.gettext(english) == data[english][0]
    assert data["Filters and controls"] == ["Filter dan kontrol"]


def test_make_setup_installed_the_pack_into_supersets_package(tmp_path):
    """What `make setup` left in .venv-superset is the pack compiled from the PO file as it is now."""
    installed = SUPERSET / "translations" / "id" / "LC_MESSAGES"
    fresh = _pack().install(into=tmp_path)
    for name in ("messages.json", "messages.mo", "messages.po"):
        assert (installed / name).read_bytes() == (fresh / name).read_bytes(), f"{name}: run make setup"
