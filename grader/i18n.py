"""Translations of every message a student sees, from gettext catalogues in ``grader/locale``.

Messages are written in English in the code, wrapped in ``_()``; ``set_language("nl")`` switches to Dutch.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "grader"
LANGUAGES = ("en", "nl")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def language_from_environment() -> str:
    """The language the locale asks for, if the kit has it; English otherwise."""
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(key, "")
        for candidate in value.split(":"):
            code = candidate.split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
    return "en"


def set_language(language: str | None) -> str:
    """Select the language of every later message; None means: from the locale. Returns the language chosen."""
    global _translation, _language
    chosen = language or language_from_environment()
    if chosen not in LANGUAGES:
        chosen = "en"
    _language = chosen
    if chosen == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[chosen], fallback=True)
    return chosen


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate one message."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
