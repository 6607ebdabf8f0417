"""The French catalogue is complete, compiled, and the site really switches language.

- ``makemessages`` run on a copy of the sources adds nothing untranslated or fuzzy
  (the repository's own files are never touched);
- ``django.mo`` matches ``django.po`` (a forgotten ``compilemessages`` fails);
- pages render in French by default and in English on request.
"""

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LC_MESSAGES = Path("locale", "fr", "LC_MESSAGES")
PO_FILE = ROOT / LC_MESSAGES / "django.po"
MO_FILE = ROOT / LC_MESSAGES / "django.mo"

# What makemessages must see: every place with translatable strings, plus the catalogue.
SOURCE_DIRS = ["cms", "community", "feeds", "search", "templates", "locale"]
SOURCE_FILES = ["manage.py"]


# --- a small PO parser (stdlib only) ---------------------------------------------------


def _unquote(fragment: str) -> str:
    """Turn one quoted PO string (``"a \\"b\\"\\n"``) into its text."""
    return ast.literal_eval(fragment)


def parse_po(path: Path) -> list[dict]:
    """Parse a PO file into entries.

    Each entry is a dict with ``msgctxt``, ``msgid``, ``msgid_plural`` (``None`` when
    absent), ``msgstr`` (a list: one item, or one per plural form), ``flags`` (a set)
    and ``obsolete``. Good enough for files written by gettext's own tools.
    """
    entries: list[dict] = []
    entry: dict | None = None
    key: tuple | None = None

    def new_entry() -> dict:
        return {
            "msgctxt": None,
            "msgid": None,
            "msgid_plural": None,
            "msgstr": {},
            "flags": set(),
            "obsolete": False,
        }

    def finish() -> None:
        nonlocal entry
        if entry is not None and entry["msgid"] is not None:
            strs = entry["msgstr"]
            entry["msgstr"] = [strs[i] for i in sorted(strs)]
            entries.append(entry)
        entry = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            key = None
            continue
        if line.startswith("#"):
            if entry is not None and entry["msgid"] is not None:
                finish()  # a comment after a complete entry starts the next one
            if entry is None:
                entry = new_entry()
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if entry is None or key is None:
                raise ValueError(f"{path}: stray string line {raw!r}")
            text = _unquote(line)
        elif keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
            if entry is not None and keyword in ("msgctxt", "msgid") and entry["msgstr"]:
                finish()
            if entry is None:
                entry = new_entry()
            entry["obsolete"] = entry["obsolete"] or obsolete
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
                key = ("msgstr", index)
                entry["msgstr"][index] = ""
            else:
                key = (keyword,)
                entry[keyword] = ""
            text = _unquote(rest.strip())
        else:
            raise ValueError(f"{path}: cannot parse {raw!r}")
        if key[0] == "msgstr":
            entry["msgstr"][key[1]] += text
        else:
            entry[key[0]] += text
    finish()
    return entries


def _describe(entry: dict) -> str:
    text = entry["msgid"]
    if entry["msgid_plural"] is not None:
        text += f" / {entry['msgid_plural']}"
    if entry["msgctxt"] is not None:
        text = f"[{entry['msgctxt']}] {text}"
    return repr(text)


# --- tests -------------------------------------------------------------------------------


def test_po_parser_reads_plurals_fuzzy_and_continuations(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "old"\n'
        'msgid ""\n"Long "\n"text"\nmsgstr "Texte"\n\n'
        'msgid "%(n)s cat"\nmsgid_plural "%(n)s cats"\nmsgstr[0] "%(n)s chat"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    header, long, plural = parse_po(po)
    assert header["msgid"] == "" and header["msgstr"] == ["Language: fr\n"]
    assert long["msgid"] == "Long text" and "fuzzy" in long["flags"]
    assert plural["msgid_plural"] == "%(n)s cats"
    assert plural["msgstr"] == ["%(n)s chat", ""]


def test_french_catalogue_is_complete(tmp_path):
    for name in SOURCE_DIRS:
        shutil.copytree(
            ROOT / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, tmp_path / name)

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    entries = parse_po(tmp_path / LC_MESSAGES / "django.po")
    header = next(e for e in entries if e["msgid"] == "")
    assert "Language: fr\n" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header["msgstr"][0]
    assert "fuzzy" not in header["flags"], "the PO header is marked fuzzy"

    messages = [e for e in entries if e["msgid"] != "" and not e["obsolete"]]
    assert messages, "makemessages found no message at all"
    untranslated = [_describe(e) for e in messages if not all(e["msgstr"])]
    fuzzy = [_describe(e) for e in messages if "fuzzy" in e["flags"]]
    plural_forms = [
        _describe(e) for e in messages if e["msgid_plural"] is not None and len(e["msgstr"]) != 2
    ]
    assert not untranslated, "Untranslated French messages:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy French messages:\n" + "\n".join(fuzzy)
    assert not plural_forms, "Plural entries without 2 forms:\n" + "\n".join(plural_forms)


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as fp:
        return gettext.GNUTranslations(fp)._catalog


def test_compiled_catalogue_is_up_to_date(tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is required to check the compiled catalogue"
    assert MO_FILE.exists(), "locale/fr/LC_MESSAGES/django.mo is missing: run compilemessages"
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO_FILE)], check=True)
    assert _catalog(MO_FILE) == _catalog(fresh), (
        "django.mo is out of date: run `python manage.py compilemessages -l fr`"
    )


@pytest.mark.django_db
def test_pages_render_in_french_and_english(client):
    html = client.get("/").content.decode()
    assert 'lang="fr"' in html
    assert "Se connecter" in html
    assert "Créer un compte" in html

    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html and "Se connecter" not in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html and "Sign up" in html
    assert "Se connecter" not in html

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="fr"' in html and "Se connecter" in html
