"""Translations of every message a student sees, from gettext catalogues.

Messages are written in English in the code, wrapped in ``_()``; ``set_language("nl")`` switches to Dutch.
The grader's own messages are in ``grader/locale/<lang>/LC_MESSAGES/grader.po`` (other ``.po`` files beside it,
such as the HTML pages' ``html.po``, are consulted next); a lesson keeps the texts of
its metadata and checks in ``exercises/<lesson>/.meta/locale/<lang>/LC_MESSAGES/lesson.po`` and registers that
folder with :func:`add_catalogue` when it is loaded. Adding a language means adding ``.po`` files: the
languages on offer are the folders found under ``grader/locale``.

The ``.mo`` files are compiled from the ``.po`` files when the package is built or installed (see
``hatch_build.py``). When a ``.mo`` file is missing or older than its ``.po`` file (a checkout whose catalogues
changed after the install) and Babel is importable, the ``.po`` file is compiled in memory instead.
"""

from __future__ import annotations

import gettext
import io
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "grader"
SOURCE_LANGUAGE = "en"


def available_languages() -> tuple[str, ...]:
    """English (the language of the code) and every language with a catalogue of the grader's messages."""
    found: set[str] = set()
    if LOCALE_DIR.is_dir():
        for folder in LOCALE_DIR.iterdir():
            messages = folder / "LC_MESSAGES"
            if (messages / f"{DOMAIN}.po").is_file() or (messages / f"{DOMAIN}.mo").is_file():
                found.add(folder.name)
    found.discard(SOURCE_LANGUAGE)
    return (SOURCE_LANGUAGE, *sorted(found))


LANGUAGES = available_languages()

_catalogues: list[tuple[Path, str]] = []  # the lessons' (and other registered) catalogues, in load order
_compiled: dict[tuple[str, float, float], bytes | None] = {}
_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def _compile_po(po: Path) -> bytes | None:
    """A ``.po`` file compiled to ``.mo`` bytes with Babel, or None without Babel."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:  # pragma: no cover - Babel comes with the build and the test extra
        return None
    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _catalogue_bytes(localedir: Path, domain: str, language: str) -> bytes | None:
    """The compiled catalogue of one domain in one language: the ``.mo`` file if current, else the ``.po`` compiled."""
    messages = localedir / language / "LC_MESSAGES"
    mo, po = messages / f"{domain}.mo", messages / f"{domain}.po"
    mo_time, po_time = _mtime(mo), _mtime(po)
    key = (str(messages / domain), mo_time, po_time)
    if key not in _compiled:
        data: bytes | None = None
        if mo_time >= 0 and mo_time >= po_time:
            data = mo.read_bytes()
        elif po_time >= 0:
            data = _compile_po(po)
            if data is None and mo_time >= 0:
                data = mo.read_bytes()
        _compiled[key] = data
    return _compiled[key]


def _domains(language: str) -> list[tuple[Path, str]]:
    """The catalogues to consult, in order: the grader's, the other domains beside it, then the lessons'."""
    siblings = set()
    messages = LOCALE_DIR / language / "LC_MESSAGES"
    if messages.is_dir():
        siblings = {p.stem for p in messages.iterdir() if p.suffix in (".po", ".mo") and p.stem != DOMAIN}
    ordered = [(LOCALE_DIR, DOMAIN)] + [(LOCALE_DIR, domain) for domain in sorted(siblings)]
    return ordered + [entry for entry in _catalogues if entry not in ordered]


def _build(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    chain: gettext.NullTranslations | None = None
    for localedir, domain in _domains(language):
        data = _catalogue_bytes(localedir, domain, language)
        if data is None:
            continue
        translation = gettext.GNUTranslations(io.BytesIO(data))
        if chain is None:
            chain = translation
        else:
            chain.add_fallback(translation)
    return chain or gettext.NullTranslations()


def add_catalogue(localedir: str | Path, domain: str) -> None:
    """Also translate with the catalogues of ``domain`` under ``localedir`` (a lesson's texts)."""
    entry = (Path(localedir).resolve(), domain)
    if entry[0] == LOCALE_DIR.resolve():
        return  # the grader's own folder: all its domains are consulted already
    if entry not in _catalogues:
        _catalogues.append(entry)
        if _language != SOURCE_LANGUAGE:
            global _translation
            _translation = _build(_language)


def language_from_environment() -> str:
    """The language the locale asks for, if the kit has it; English otherwise."""
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(key, "")
        for candidate in value.split(":"):
            code = candidate.split("_")[0].split(".")[0].split("@")[0].lower()
            if code in LANGUAGES:
                return code
        if value:
            break  # the first variable that is set decides, as in gettext
    return SOURCE_LANGUAGE


def set_language(language: str | None) -> str:
    """Select the language of every later message; None means: from the locale. Returns the language chosen."""
    global _translation, _language
    chosen = language or language_from_environment()
    if chosen not in LANGUAGES:
        chosen = SOURCE_LANGUAGE
    _language = chosen
    _translation = _build(chosen)
    return chosen


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate one message."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate a message that needs a context to be translated well (a lone comma, say)."""
    return _translation.pgettext(context, message)
