"""Put BANSOS 360's Bahasa Indonesia language pack into the Superset package of the Python that runs this file.

Superset 6 ships no Indonesian translation, and it reads a pack only from its own package: the browser's words from
``superset/translations/<locale>/LC_MESSAGES/messages.json`` (Jed format, served at ``/superset/language_pack/id/``),
the server's (menus, some messages) from ``messages.mo`` beside it, through Flask-Babel. The pack's source is the
PO file next to this script (``translations/id/LC_MESSAGES/messages.po``, edited with any PO editor); this script
compiles it into both forms and writes the three files there::

    .venv-superset/bin/python ops/superset/language_pack.py

``make setup`` runs it after building ``.venv-superset``; the deployment runs it when it builds a release's Superset
environment (ops/ansible/roles/pipeline/tasks/release.yml). It needs Babel, which Superset's environment has.
docs/superset.md, "Bahasa Indonesia", says which words the pack covers and how to add one.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = "id"
SOURCE = Path(__file__).resolve().parent / "translations" / LOCALE / "LC_MESSAGES" / "messages.po"
PLURAL_FORMS = "nplurals=1; plural=0;"


def catalog(source: Path = SOURCE):
    """The pack's catalogue, read from its PO file (fuzzy entries are not used)."""
    with source.open("rb") as f:
        return read_po(f, locale=LOCALE, domain="superset")


def jed(messages) -> dict:
    """The catalogue in the Jed 1.x form Superset's browser code reads (as ``po2json --format jed1.x`` writes it).

    Translated messages only: an untranslated one stays English rather than becoming an empty text.
    """
    data: dict = {"": {"domain": "superset", "plural_forms": PLURAL_FORMS, "lang": LOCALE}}
    for message in messages:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            continue
        key = f"{message.context}\u0004{ids[0]}" if message.context else ids[0]
        data[key] = list(strings)
    return {"domain": "superset", "locale_data": {"superset": data}}


def target() -> Path:
    """``translations/id/LC_MESSAGES`` of the ``superset`` package this Python imports.

    Found without importing it: Superset's import needs its configuration.
    """
    spec = importlib.util.find_spec("superset")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("superset tidak terpasang di lingkungan ini / superset is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations))) / "translations" / LOCALE / "LC_MESSAGES"


def install(source: Path = SOURCE, into: Path | None = None) -> Path:
    """Compile the PO file and write ``messages.po``, ``messages.mo`` and ``messages.json`` into ``into``."""
    into = into or target()
    messages = catalog(source)
    into.mkdir(parents=True, exist_ok=True)
    mo = io.BytesIO()
    write_mo(mo, messages, use_fuzzy=False)
    (into / "messages.mo").write_bytes(mo.getvalue())
    (into / "messages.json").write_text(json.dumps(jed(messages), ensure_ascii=False, indent=1), encoding="utf-8")
    (into / "messages.po").write_bytes(source.read_bytes())
    return into


if __name__ == "__main__":
    where = install(into=Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"paket bahasa {LOCALE} terpasang / language pack installed: {where}")
