"""The command line in the student's language: ``--lang`` and translated ``--help`` for click commands.

Click writes help from plain strings fixed when the commands are defined, before any language is chosen. The
classes here translate those strings through :func:`grader.i18n._` at the moment help is shown: the command's
help text, each option's help, the headings and the usage line. A group of class :class:`TranslatedGroup`
makes every command and subgroup defined on it translated too. ``--lang`` is an eager option, so
``grader check --lang nl --help`` already shows Dutch; without it, the locale decides.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import click

from .i18n import _, available_languages, set_language


class TranslatedFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=_("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_(heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        default = "[" + _("default: {default}").replace("{default}", "")
        required = "[" + _("required") + "]"
        rows = [(first, second.replace("[default: ", default).replace("[required]", required)) for first, second in rows]
        super().write_dl(rows, col_max, col_spacing)


class TranslatedContext(click.Context):
    formatter_class = TranslatedFormatter


class TranslatedUsageError(click.UsageError):
    """A usage error shown with the words around it ("Try ... for help.", "Error: ...") translated."""

    def show(self, file: Any = None) -> None:
        hint = ""
        if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
            option = max(self.ctx.command.get_help_option_names(self.ctx), key=len)
            hint = _("Try '{command} {option}' for help.").format(command=self.ctx.command_path, option=option) + "\n"
        if self.ctx is not None:
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=self.ctx.color)
        click.echo(_("Error: {message}").format(message=self.format_message()), file=file, err=file is None,
                   color=self.ctx.color if self.ctx is not None else None)


def _translated(error: click.UsageError) -> TranslatedUsageError:
    if isinstance(error, TranslatedUsageError):
        return error
    translated = TranslatedUsageError(error.format_message(), error.ctx)
    translated.exit_code = error.exit_code  # type: ignore[misc]  # a class attribute in click's stubs, set per error
    return translated


class _Translated:
    """Mixed into commands and groups: their help text, short help and built-in options, translated."""

    help: str | None
    short_help: str | None
    params: list[click.Parameter]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except click.UsageError as error:
            raise _translated(error) from error

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except click.UsageError as error:
            raise _translated(error) from error

    def _text(self) -> str | None:
        return _(inspect.cleandoc(self.help)) if self.help else None

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        original = self.help
        self.help = self._text()
        try:
            super().format_help_text(ctx, formatter)  # type: ignore[misc]
        finally:
            self.help = original

    def get_short_help_str(self, limit: int = 45) -> str:
        original = self.help
        self.help = self._text()
        try:
            return super().get_short_help_str(limit)  # type: ignore[misc, no-any-return]
        finally:
            self.help = original

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = _("Show this message and exit.")
        return option  # type: ignore[no-any-return]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        saved = [(param, param.help) for param in self.get_params(ctx) if isinstance(param, click.Option) and param.help]  # type: ignore[attr-defined]
        for param, text in saved:
            param.help = _(inspect.cleandoc(text))
        try:
            super().format_options(ctx, formatter)  # type: ignore[misc]
        finally:
            for param, text in saved:
                param.help = text


class TranslatedCommand(_Translated, click.Command):
    context_class = TranslatedContext


class TranslatedGroup(_Translated, click.Group):
    """A group whose commands and subgroups are translated too."""

    context_class = TranslatedContext
    command_class = TranslatedCommand
    group_class = type

    def main(self, *args: Any, **kwargs: Any) -> Any:
        set_language(None)  # the locale's language, until a --lang says otherwise
        return super().main(*args, **kwargs)


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    set_language(value)
    return value


def lang_option(help_text: str = "Language of the messages (default: the locale's, else English).") -> Callable[[Any], Any]:
    """``--lang``: eager, so that the language is chosen before ``--help`` or any message is written."""
    return click.option(
        "--lang",
        type=click.Choice(list(available_languages())),
        default=None,
        is_eager=True,
        expose_value=True,
        callback=_choose_language,
        help=help_text,
    )
