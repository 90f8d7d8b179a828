"""Two languages from gettext catalogues: complete, faithful to the placeholders, chosen by --lang or the locale,
compiled at build time; and a Dutch report of a wrong submission reads as Dutch."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import _format as fmt
from grader import i18n
from grader.catalogues import catalogues, untranslated
from grader.cli import main
from grader.i18n import _, set_language

from ._mistakes import MISTAKES, Mistake, submission
from .conftest import ROOT

NO_LOCALE = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}

# Words that are English and never Dutch. A line with two of them (outside code) is an English sentence.
ENGLISH = frozenset(
    "the your you and with expected returned called which does should must not but this that are was were from "
    "into passed failed total points missing implemented answer answered right wrong every one number numbers "
    "than its it has have been what when where only also more less same each".split()
)
CODE = re.compile(r"[._()\[\]=<>*/+^`'\"{}|·,;:0-9-]")


def english_lines(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        words = [w.strip(".,;:!?") for w in line.split() if not CODE.search(w.strip(".,;:!?"))]
        if len({w.lower() for w in words} & ENGLISH) >= 2:
            found.append(line)
    return found


@pytest.fixture(autouse=True)
def english() -> object:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def wrong_folder(tmp_path: Path) -> Path:
    """A submission with a mistake in every part, one wrong and one missing quiz answer."""
    pieces = {**MISTAKES["sigmoid.sign"].pieces, **MISTAKES["relu.abs"].pieces, **MISTAKES["init.weights-rand"].pieces,
              **MISTAKES["activate.cached"].pieces}
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "neuron.py").write_text(submission("several", Mistake("all", pieces)), encoding="utf-8")
    (folder / "quiz.toml").write_text('bias = "a"\ninit = ""\n', encoding="utf-8")
    return folder


def test_every_message_has_a_dutch_translation() -> None:
    missing = untranslated("nl")
    assert not missing, "\n".join(f"{where}: {msgid!r}" for msgid, where, _context in missing)


def test_the_catalogues_cover_the_grader_the_lessons_and_the_student_commands() -> None:
    found: dict[str, set[str]] = {}
    for _dir, domain, messages in catalogues():  # every lesson's catalogue is of the domain "lesson"
        found.setdefault(domain, set()).update(m[0] for m in messages)
    assert {"grader", "lesson"} <= set(found)
    assert "Hint {number} of {total}: {hint}" in found["grader"]  # grader/hint.py
    assert "Show this message and exit." in found["grader"]  # click's words in the help
    assert any(m.startswith("Show the next hint") for m in found["grader"])  # `grader hint --help`
    assert "the role of the bias" in found["lesson"]  # the quiz
    assert "matches 1 / (1 + e^-z) on single numbers" in found["lesson"]  # lesson.toml
    assert any(m.startswith("Your weights are never negative") for m in found["lesson"])  # a diagnosis


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_translations_keep_every_placeholder() -> None:
    from babel.messages.pofile import read_po

    files = sorted(ROOT.glob("grader/locale/*/LC_MESSAGES/*.po")) + sorted(ROOT.glob("exercises/*/.meta/locale/*/LC_MESSAGES/*.po"))
    assert len(files) >= 2
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and message.string and isinstance(message.id, str) and "{" in message.id:
                assert _fields(message.id) == _fields(str(message.string)), f"{po.name}: {message.id!r}"


def test_dutch_report_of_a_wrong_submission_reads_as_dutch(wrong_folder: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(wrong_folder), "--lang", "nl"], env=NO_LOCALE)
    assert result.exit_code == 1, result.output
    text = result.output
    assert "Totaal:" in text and "Hint:" in text and "Jouw antwoord: a)" in text and "Denk nog eens na" in text
    assert "Je gewichten zijn nooit negatief" in text  # a diagnosis
    assert english_lines(text) == []


def test_the_check_for_english_finds_the_english_report(wrong_folder: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(wrong_folder), "--lang", "en"], env=NO_LOCALE)
    assert result.exit_code == 1
    assert len(english_lines(result.output)) >= 10


@pytest.mark.parametrize("format_name", ["json", "gradescope"])
def test_dutch_reports_in_machine_formats(wrong_folder: Path, format_name: str) -> None:
    result = CliRunner().invoke(main, ["check", str(wrong_folder), "--lang", "nl", "--format", format_name], env=NO_LOCALE)
    assert "Je relu geeft de absolute waarde terug" in result.output
    assert "relu.abs" in result.output  # the id stays the same in every language


def test_language_from_the_locale_and_english_by_default(wrong_folder: Path) -> None:
    runner = CliRunner()
    dutch = runner.invoke(main, ["check", str(wrong_folder)], env={**NO_LOCALE, "LANG": "nl_NL.UTF-8"})
    assert "Totaal:" in dutch.output
    english = runner.invoke(main, ["check", str(wrong_folder)], env=NO_LOCALE)
    assert "Total:" in english.output and "Totaal" not in english.output
    other = runner.invoke(main, ["check", str(wrong_folder)], env={**NO_LOCALE, "LANG": "fr_FR.UTF-8"})
    assert "Total:" in other.output
    chosen = runner.invoke(main, ["check", str(wrong_folder), "--lang", "en"], env={**NO_LOCALE, "LANG": "nl_NL.UTF-8"})
    assert "Total:" in chosen.output


@pytest.mark.parametrize("command", [["check"], ["hint"], []])
def test_help_of_student_commands_in_dutch(command: list[str]) -> None:
    runner = CliRunner()
    dutch = runner.invoke(main, [*command, "--lang", "nl", "--help"] if command else ["--help"], env={**NO_LOCALE, "LANG": "nl_NL"})
    assert dutch.exit_code == 0, dutch.output
    assert "Gebruik:" in dutch.output and "Opties" in dutch.output
    assert "Toon deze hulptekst en stop." in dutch.output
    if command:
        assert english_lines(dutch.output) == [], english_lines(dutch.output)
    english = runner.invoke(main, [*command, "--help"], env=NO_LOCALE)
    assert "Usage:" in english.output and "Show this message and exit." in english.output


def test_numbers_are_formatted_for_reading() -> None:
    assert fmt.num(0.00031415926535897) == "0.000314159"
    assert fmt.count(4800) == "4,800"
    set_language("nl")
    assert fmt.count(4800) == "4.800"  # in Dutch a comma would be read as a decimal point


def test_compiled_catalogues_match_the_po_files(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="hatchling is in the test extra")
    import importlib.util

    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    hatch_build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hatch_build)
    for relative in ("grader/locale", "exercises/neuron/.meta/locale"):
        shutil.copytree(ROOT / relative, tmp_path / relative, ignore=shutil.ignore_patterns("*.mo"))
    written = hatch_build.compile_catalogues(tmp_path)
    assert {mo.stem for mo in written} >= {"grader", "lesson"}
    for mo in written:
        with mo.open("rb") as handle:
            translation = gettext.GNUTranslations(handle)
        if mo.stem == "grader":
            assert translation.gettext("Total: {score}/{max_score}") in ("Total: {score}/{max_score}", "Totaal: {score}/{max_score}")
            assert translation.gettext("Passed.") == "Geslaagd."
        if mo.stem == "lesson":
            assert translation.gettext("the role of the bias") == "de rol van de bias"


def test_a_third_language_is_a_catalogue_not_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locale = tmp_path / "locale"
    shutil.copytree(ROOT / "grader" / "locale", locale, ignore=shutil.ignore_patterns("*.mo"))
    german = locale / "de" / "LC_MESSAGES"
    german.mkdir(parents=True)
    (german / "grader.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                      'msgid "Passed."\nmsgstr "Bestanden."\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    monkeypatch.setattr(i18n, "LANGUAGES", i18n.available_languages())
    assert i18n.LANGUAGES == ("en", "de", "nl")
    assert set_language("de") == "de"
    assert _("Passed.") == "Bestanden."
    assert _("Total: {score}/{max_score}") == "Total: {score}/{max_score}"  # untranslated: English


def test_a_stale_compiled_catalogue_gives_way_to_its_po_file(tmp_path: Path) -> None:
    messages = tmp_path / "nl" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    po = messages / "demo.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Passed."\nmsgstr "Geslaagd."\n', encoding="utf-8")
    data = i18n._catalogue_bytes(tmp_path, "demo", "nl")
    assert data is not None
    assert gettext.GNUTranslations(io.BytesIO(data)).gettext("Passed.") == "Geslaagd."


def test_usage_errors_in_dutch() -> None:
    result = CliRunner().invoke(main, ["hint", "softmax", "--lang", "nl"], env=NO_LOCALE)
    assert result.exit_code == 2
    assert "Fout: onbekend onderdeel softmax" in result.output and "Probeer '" in result.output and "hint --help' voor hulp." in result.output
    english = CliRunner().invoke(main, ["hint", "softmax"], env=NO_LOCALE)
    assert english.exit_code == 2 and "Error: unknown part softmax" in english.output
