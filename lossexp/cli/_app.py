"""The typer app, the options the commands share, and the one place errors become exit codes.

Start-up stays fast: nothing in lossexp.cli imports numpy, matplotlib or the engine at
module level; each command imports what it uses inside its body.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

try:  # recent typer vendors click as typer._click; older releases use click itself
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


# `lossexp --help` lists the commands in the order a user meets them (the README's).
COMMAND_ORDER = ("run", "sweep", "compare", "check", "baseline", "report", "demo", "explain",
                 "list", "configs", "init", "schema")


class _OneLineErrors(TyperGroup):
    """Click's usage errors (a missing argument, an unknown option) as one line, exit 2.

    Click would print the usage block and a hint over several lines; every other error
    of lossexp is one line on stderr, so these are too.
    """

    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: (COMMAND_ORDER.index(n) if n in COMMAND_ORDER
                                            else len(COMMAND_ORDER), n))

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            code = exc.exit_code
        except UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else (prog_name or "lossexp")
            print_error(f"{command}: {exc.format_message()} (see '{command} --help')")
            code = exc.exit_code
        except ClickException as exc:
            print_error(exc.format_message())
            code = exc.exit_code
        except typer.Abort:
            print_error("interrupted")
            code = EXIT_INTERRUPTED
        sys.exit(code if isinstance(code, int) else 0)


class _PlainUsage(TyperCommand):
    """A command whose usage line reads as click's and most tools' do: ``CONFIG...`` for
    one or more, ``[NAME]`` for an optional argument (typer writes ``{CONFIG}`` for a
    required one, and drops the ``...``)."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            piece = (param.metavar or param.name.upper()) + ("..." if param.nargs != 1 else "")
            pieces.append(piece if param.required else f"[{piece}]")
        return pieces


class _Typer(typer.Typer):
    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or _PlainUsage, **kwargs)


app = _Typer(
    name="lossexp",
    cls=_OneLineErrors,
    help="See how a loss function shapes learning: train a sigmoid neuron or a small MLP "
         "from a YAML config and save its loss curve, gradient trace and saturation plots.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def shipped_config(given: Path) -> Path:
    """A CONFIG argument that is no file but a shipped config's name stands for that config."""
    from lossexp.config import shipped

    found = shipped.resolve(given)
    if found.exists():
        if found != given and Path(f"{given}{shipped.SUFFIX}").is_file():
            from lossexp.cli.console import note

            note(f"note: {given} is the shipped config; to run your {given}{shipped.SUFFIX} "
                 f"here, give its file name")
        return found
    if shipped.is_bare_name(given):
        raise typer.BadParameter(f"{given}: no such file, and no shipped config of that name"
                                 f"{shipped.did_you_mean(str(given))}; `lossexp configs` lists them")
    if shipped.path_of(given.name):  # configs/mse_unlucky.yaml, away from a checkout
        stem = given.name.removesuffix(shipped.SUFFIX)
        raise typer.BadParameter(f"{given}: no such file; the shipped config of that name runs "
                                 f"as `{stem}` (`lossexp init DIR` copies them all into DIR)")
    return found


def complete_config(incomplete: str) -> list[str]:
    """Shell completion of a CONFIG: the shipped configs' names, and YAML files and folders."""
    import glob
    import os

    from lossexp.config import shipped

    files = [p + (os.sep if os.path.isdir(p) else "") for p in glob.glob(incomplete + "*")
             if os.path.isdir(p) or p.endswith((".yaml", ".yml"))]
    return sorted(files) + [n for n in shipped.names() if n.startswith(incomplete)]


ConfigArg = Annotated[Path, typer.Argument(
    metavar="CONFIG", help="YAML config file, or the name of a shipped config (lossexp configs).",
    show_default=False, callback=shipped_config, autocompletion=complete_config)]
SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY=VALUE",
    help="Override a config value by its dotted path, e.g. --set train.lr=0.3 (repeatable).")]
OutputsOpt = Annotated[Path, typer.Option(
    "--outputs", help="Root directory for results; a run goes to OUTPUTS/<name>/.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")]
DataDirOpt = Annotated[Optional[list[Path]], typer.Option(
    "--data-dir", metavar="DIR",
    help="A directory data files (task.path) may also be read from; without it, only the "
         "config's directory and below (repeatable).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")]
PlotsOpt = Annotated[Optional[bool], typer.Option(
    "--plots/--no-plots", show_default=False,
    help="Draw the figures, or not, whatever the config's plots: key says [default: as it "
         "says, true unless set].")]


@contextlib.contextmanager
def data_dirs(dirs: list[Path] | None):
    """Let configs read data files from ``dirs`` too (schema.DATA_DIRS) for the block."""
    from lossexp import schema

    token = schema.DATA_DIRS.set(tuple(str(d) for d in dirs or ()))
    try:
        yield
    finally:
        schema.DATA_DIRS.reset(token)


def chosen(flag: bool | None, configured: bool) -> bool:
    """A --x/--no-x flag over a config value: the flag when given, else the config."""
    return configured if flag is None else flag


@contextlib.contextmanager
def guarded(debug: bool):
    """The one place errors become exit codes: bad input 2, Ctrl-C 130, anything else 1.

    Each prints one line on stderr; with ``debug`` the full traceback is printed first.
    """
    from lossexp.errors import LossexpError, exit_status

    try:
        with stopped_by_signals():
            yield
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except LossexpError as exc:
        _fail(debug, str(exc), EXIT_USAGE)
    except KeyboardInterrupt as exc:
        ignore_ctrl_c()
        _fail(debug, f"{interrupted(exc)}; finished results are kept, nothing half-written "
                     "was left", exit_status(exc))
    except OSError as exc:
        _fail(debug, f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc), 1)
    except Exception as exc:  # noqa: BLE001 - last line of defence for the user
        _fail(debug, f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for "
                     "the traceback)", 1)


def _fail(debug: bool, message: str, code: int):
    if debug:
        import traceback

        traceback.print_exc()
    print_error(message)
    raise typer.Exit(code) from None


def ignore_ctrl_c() -> None:
    """The command is stopping after a Ctrl-C (or SIGTERM, SIGHUP): a second one (users
    press it twice, and it reaches every process of the group) must not cut its clean-up
    short."""
    import signal

    from lossexp.output.atomic import STOP_SIGNALS

    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def interrupted(exc: KeyboardInterrupt) -> str:
    """How a command stopped by a signal says so: "interrupted" for Ctrl-C, else the signal."""
    import signal

    signum = getattr(exc, "signum", None)
    return "interrupted" if signum is None else f"stopped by {signal.Signals(signum).name}"


def _stop(signum, frame):
    ignore_ctrl_c()
    from lossexp.errors import Stopped, request_stop

    request_stop(signum)  # in case the exception lands where Python swallows it
    raise Stopped(signum)


@contextlib.contextmanager
def stopped_by_signals():
    """SIGTERM (kill's default) and SIGHUP (a closed terminal) stop the command as Ctrl-C
    does: an exception unwinds it, so temporary files are removed, worker processes ended
    and finished results kept; it exits with 143 or 129. The previous handlers are back
    afterwards (for commands run in process, as the tests do)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from lossexp.errors import forget_stop_requests, stop_if_requested

    forget_stop_requests()
    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), _stop) for name in names}
    try:
        yield
        stop_if_requested()  # a stop swallowed on the way: the command did not finish as asked
    except (typer.Exit, typer.Abort):  # the command's own way out: it has said its piece
        raise
    except Exception:  # a stop that landed inside a library, which made it an error of its own
        stop_if_requested()
        raise
    finally:
        for name, handler in previous.items():
            if signal.getsignal(getattr(signal, name)) is _stop:
                signal.signal(getattr(signal, name), handler)
        forget_stop_requests()  # after: a stop landing before the handlers are back is forgotten too


JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead.")]


def echo_json(data) -> None:
    """``data`` as indented JSON on stdout; dataclasses become objects, NumPy scalars numbers."""
    import dataclasses
    import json

    def plain(value):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        if hasattr(value, "item"):  # a NumPy scalar
            return value.item()
        if isinstance(value, (set, frozenset, tuple)):
            return list(value)
        raise TypeError(f"{type(value).__name__} is not JSON-serialisable")

    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    elif isinstance(data, list):
        data = [dataclasses.asdict(d) if dataclasses.is_dataclass(d) else d for d in data]
    typer.echo(json.dumps(data, indent=2, default=plain))


def print_error(message: str) -> None:
    from lossexp.cli.console import error

    error(message)


def kernel_status() -> str:
    """Whether the compiled sweep kernel loads ('present') or why not; imports no numpy."""
    try:
        from lossexp.train import _neuron_kernel  # noqa: F401
    except ImportError:
        return "missing (sweeps use the NumPy engine: same results, about 4x slower)"
    return "present"


def _show_version(value: bool) -> None:
    if value:
        import platform

        from lossexp import __version__

        typer.echo(f"lossexp {__version__} (Python {platform.python_version()}; compiled sweep "
                   f"kernel: {kernel_status()})")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = False
          ) -> None:
    """See how a loss function shapes learning: train a sigmoid neuron or a small MLP from a
    YAML config and save its loss curve, gradient trace and saturation plots."""
