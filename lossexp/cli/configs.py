"""lossexp configs / init / schema: the shipped configs and the schema an editor checks them with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lossexp.cli._app import DebugOpt, JsonOpt, QuietOpt, app, echo_json, guarded


@app.command("configs")
def list_configs(as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List the shipped configs with their one-line purpose; `lossexp run NAME` runs one."""
    with guarded(debug):
        from lossexp.cli.console import out
        from lossexp.config import shipped

        entries = shipped.catalogue()
        if as_json:
            echo_json([{"name": e.name, "kind": e.kind, "purpose": e.purpose,
                        "path": str(e.path)} for e in entries])
            return
        width = max(len(e.name) for e in entries)
        for e in entries:
            tag = " (sweep)" if e.kind == "sweep" else ""
            out.print(f"{e.name:{width}}  {shipped.shortened(e.purpose)}{tag}", markup=False,
                      soft_wrap=True)
        out.print(f"\nRun one with `lossexp run NAME` (a sweep: `lossexp sweep NAME`); copy them "
                  f"all for editing with `lossexp init DIR`. They live in {shipped.directory()}",
                  markup=False, soft_wrap=True)


@app.command()
def init(directory: Annotated[Path, typer.Argument(
            metavar="DIR", help="Where to put the copies (created if need be).",
            show_default=False)],
         force: Annotated[bool, typer.Option(
             "--force", help="Overwrite configs (and the schema) of the same name already "
                             "in DIR.")] = False,
         quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Copy the shipped configs, and the JSON Schema their modelines point at, into DIR."""
    with guarded(debug):
        from lossexp.config import json_schema, shipped
        from lossexp.sweep.spec import sweep_section

        schema_text = json_schema.text(sweep_section()).encode("utf-8")
        written = shipped.copy_to(directory, force=force,
                                  extra={json_schema.FILE_NAME: schema_text})
        if not quiet:
            from lossexp.cli.console import out

            out.print(f"wrote {len(written)} configs and {json_schema.FILE_NAME} to {directory}; "
                      f"try: lossexp run {directory / 'mse_unlucky.yaml'}",
                      markup=False, soft_wrap=True)


@app.command()
def schema(debug: DebugOpt = False) -> None:
    """Print the JSON Schema of a config, for editors (yaml-language-server) and other tools.

    Point an editor at it with a first or last line `# yaml-language-server: $schema=FILE`.
    """
    with guarded(debug):
        from lossexp.config import json_schema
        from lossexp.sweep.spec import sweep_section

        typer.echo(json_schema.text(sweep_section()), nl=False)
