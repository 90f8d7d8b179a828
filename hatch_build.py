"""Build hook: compile the gettext catalogues (``.po``, kept in the repository) to ``.mo`` files with Babel.

It runs for every wheel, editable installs included, so ``pip install -e .`` leaves the ``.mo`` files beside
their ``.po`` files; they are build products and are not committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

CATALOGUES = ("grader/locale/*/LC_MESSAGES/*.po", "exercises/*/.meta/locale/*/LC_MESSAGES/*.po")


def compile_catalogues(root: Path) -> list[Path]:
    """Compile every catalogue under ``root``; returns the ``.mo`` files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for pattern in CATALOGUES:
        for po in sorted(root.glob(pattern)):
            with po.open("rb") as handle:
                catalog = read_po(handle)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
            written.append(mo)
    return written


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        for mo in compile_catalogues(root):
            # *.mo is git-ignored: list the compiled files as artifacts so that the wheel holds them (the lessons'
            # catalogues come along with the forced inclusion of exercises/, which ignores .gitignore)
            build_data["artifacts"].append("/" + mo.relative_to(root).as_posix())
