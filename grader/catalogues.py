"""Maintaining the translation catalogues (for kit authors; needs Babel, which the ``test`` extra installs).

Two kinds of catalogue, both standard gettext ``.po`` files:

- the grader's, ``grader/locale/<lang>/LC_MESSAGES/grader.po``: every ``_()`` message in ``grader/`` and the
  help of the student commands (``grader --help``, ``grader check``, ``grader hint``);
- each lesson's, ``exercises/<lesson>/.meta/locale/<lang>/LC_MESSAGES/lesson.po``: the ``_()`` messages of the
  lesson's Python files and the texts of its TOML files (titles, hints, questions, options, explanations).

``python -m grader.catalogues`` rewrites the templates (``.pot``) and merges them into every ``.po`` file, so
that translators see what is new; ``python -m grader.catalogues nl de`` also starts catalogues for languages
that have none yet. Translating is then editing the ``.po`` files; the build compiles them.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PACKAGE = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
TOML_KEYS = frozenset({"title", "hints", "hint", "question", "options", "explanation"})
STUDENT_COMMANDS = ("check", "hint")
# Click's own words in the help of a TranslatedGroup (see grader.i18n_cli).
CLICK_MESSAGES = ("Usage: ", "Options", "Commands", "Show this message and exit.", "Show the version and exit.",
                  "default: {default}", "required")

Message = tuple[str, str, str | None]  # (msgid, where, context)


def python_messages(files: Iterable[Path]) -> Iterator[Message]:
    from babel.messages.extract import extract

    for path in files:
        with path.open("rb") as handle:
            for lineno, message, _comments, context in extract("python", handle, keywords=KEYWORDS):
                for msgid in message if isinstance(message, tuple) else (message,):
                    if msgid:
                        yield msgid, f"{path}:{lineno}", context


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def toml_messages(path: Path) -> Iterator[Message]:
    """The texts of a lesson's TOML file that a student reads."""

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TOML_KEYS:
                    yield from _strings(value)
                elif isinstance(value, (dict, list)):
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for text in walk(data):
        yield text, str(path), None


def cli_messages() -> Iterator[Message]:
    """The help of the command group and of the student commands, and click's words around it."""
    import click

    from .cli import main

    yield from ((text, "click", None) for text in CLICK_MESSAGES)
    commands: list[click.Command] = [main] + [main.commands[name] for name in STUDENT_COMMANDS if name in main.commands]
    for command in commands:
        where = f"grader {command.name}"
        if command.help:
            yield inspect.cleandoc(command.help), where, None
        for param in command.params:
            text = getattr(param, "help", None)
            if isinstance(param, click.Option) and text:
                yield inspect.cleandoc(text), where, None


def grader_messages() -> list[Message]:
    files = sorted(p for p in PACKAGE.rglob("*.py") if "_kit" not in p.parts)
    return [*python_messages(files), *cli_messages()]


def lesson_messages(folder: Path) -> list[Message]:
    meta = folder / ".meta"
    messages = list(python_messages(sorted(meta.glob("*.py"))))
    for path in sorted(meta.glob("*.toml")):
        messages += toml_messages(path)
    return messages


def _po_ids(paths: Iterable[Path], translated_only: bool = False) -> set[tuple[str, str | None]]:
    from babel.messages.pofile import read_po

    ids: set[tuple[str, str | None]] = set()
    for path in paths:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        ids |= {(m.id, m.context) for m in catalog
                if isinstance(m.id, str) and m.id and (not translated_only or (m.string and not m.fuzzy))}
    return ids


def _sibling_catalogues(localedir: Path, domain: str, language: str = "*") -> list[Path]:
    """Other domains kept beside the grader's (the HTML pages' ``html.po``, for one)."""
    return [p for p in sorted(localedir.glob(f"{language}/LC_MESSAGES/*.po")) if p.stem != domain]


def catalogues() -> list[tuple[Path, str, list[Message]]]:
    """(locale folder, domain, messages) of the grader and of every lesson.

    A message that a sibling domain of the grader's catalogues holds (``html.po``) is left to that domain.
    """
    from .lesson import lessons_dir

    localedir = PACKAGE / "locale"
    elsewhere = _po_ids(_sibling_catalogues(localedir, "grader"))
    found = [(localedir, "grader", [m for m in grader_messages() if (m[0], m[2]) not in elsewhere])]
    for folder in sorted(lessons_dir().iterdir()):
        if (folder / ".meta" / "lesson.toml").is_file():
            found.append((folder / ".meta" / "locale", "lesson", lesson_messages(folder)))
    return found


def _template(domain: str, messages: list[Message]) -> Any:
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="neuron-grader", domain=domain, charset="utf-8")
    for msgid, where, context in messages:
        path, _sep, line = where.rpartition(":")
        location = (path, int(line)) if line.isdigit() else (where, 0)
        try:
            location = (str(Path(location[0]).relative_to(PACKAGE.parent)), location[1])
        except ValueError:
            pass
        catalog.add(msgid, locations=[location], flags=("python-brace-format",) if "{" in msgid else (), context=context)
    return catalog


def _write(path: Path, catalog: Any, **options: Any) -> bool:
    """Write a catalogue unless only its creation date would change; True if written."""
    import io
    import re

    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, **options)
    new = buffer.getvalue()
    undated = re.compile(rb'^"POT-Creation-Date: .*$', re.MULTILINE)
    if path.is_file() and undated.sub(b"", path.read_bytes()) == undated.sub(b"", new):
        return False
    path.write_bytes(new)
    return True


def update(languages: Iterable[str] = ()) -> list[Path]:
    """Rewrite every template and merge it into every catalogue (and new ones for ``languages``)."""
    from babel.messages.pofile import read_po

    written = []
    for localedir, domain, messages in catalogues():
        template = _template(domain, messages)
        localedir.mkdir(parents=True, exist_ok=True)
        pot = localedir / f"{domain}.pot"
        if _write(pot, template):
            written.append(pot)
        wanted = {p.name for p in localedir.iterdir() if (p / "LC_MESSAGES" / f"{domain}.po").is_file()} | set(languages)
        for language in sorted(wanted):
            po = localedir / language / "LC_MESSAGES" / f"{domain}.po"
            if po.is_file():
                with po.open("rb") as handle:
                    catalog = read_po(handle, locale=language)
            else:
                from babel.messages.catalog import Catalog

                po.parent.mkdir(parents=True, exist_ok=True)
                catalog = Catalog(locale=language, domain=domain, project="neuron-grader", charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
            if _write(po, catalog, ignore_obsolete=True):
                written.append(po)
    return written


def untranslated(language: str) -> list[Message]:
    """The messages that have no translation into ``language`` (fuzzy ones count as untranslated).

    The grader's catalogues are consulted for every message, as at run time (they come first in the chain).
    """
    grader_ids = _po_ids(sorted((PACKAGE / "locale").glob(f"{language}/LC_MESSAGES/*.po")), translated_only=True)
    missing = []
    for localedir, domain, messages in catalogues():
        po = localedir / language / "LC_MESSAGES" / f"{domain}.po"
        translated = grader_ids | (_po_ids([po], translated_only=True) if po.is_file() else set())
        missing += [m for m in messages if (m[0], m[2]) not in translated]
    return missing


def main(argv: list[str] | None = None) -> int:
    languages = argv if argv is not None else sys.argv[1:]
    for path in update(languages):
        print(f"wrote {path}")
    for language in sorted({p.parent.parent.name for path in [PACKAGE / "locale"] for p in path.glob("*/LC_MESSAGES/*.po")}):
        count = len({(m[0], m[2]) for m in untranslated(language)})
        print(f"{language}: {count} messages without a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
