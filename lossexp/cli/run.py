"""lossexp run: one experiment from a config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lossexp.cli._app import ConfigArg, DebugOpt, OutputsOpt, QuietOpt, SetOpt, app, guarded


@app.command()
def run(config: ConfigArg, set_: SetOpt = None, outputs: OutputsOpt = Path("outputs"),
        quiet: QuietOpt = False, debug: DebugOpt = False,
        plots: Annotated[bool, typer.Option(help="Draw the PNG/SVG figures.")] = True) -> None:
    """Train one model from CONFIG and save metrics, summary and plots under OUTPUTS/<name>/."""
    with guarded(debug):
        from lossexp import console
        from lossexp.config import load_config
        from lossexp.experiment import run_experiment
        from lossexp.results import check_outputs_root, save_run

        cfg = load_config(config, set_ or ())
        cfg["plots"] = cfg["plots"] and plots  # config.yaml records what was drawn
        check_outputs_root(outputs)
        with console.epoch_progress(cfg["train"]["epochs"], f"training {cfg['name']}", quiet) as tick:
            result = run_experiment(cfg, on_epoch=tick)
        run_dir = save_run(result, outputs)
        if not quiet:
            console.show_run(cfg, result.summary, run_dir)
