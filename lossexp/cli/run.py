"""lossexp run: one experiment from a config."""

from __future__ import annotations

from pathlib import Path

from lossexp.cli._app import (ConfigArg, DataDirOpt, DebugOpt, OutputsOpt, PlotsOpt, QuietOpt,
                              SetOpt, app, chosen, data_dirs, guarded)
from lossexp.cli.report import AnimateOpt, ReportOpt, share


@app.command()
def run(config: ConfigArg, set_: SetOpt = None, outputs: OutputsOpt = Path("outputs"),
        quiet: QuietOpt = False, debug: DebugOpt = False,
        plots: PlotsOpt = None, data_dir: DataDirOpt = None, report: ReportOpt = False,
        animate: AnimateOpt = False) -> None:
    """Train one model from CONFIG and save metrics, summary and plots under OUTPUTS/<name>/."""
    with guarded(debug):
        from lossexp.cli import console
        from lossexp.cli.progress import epoch_progress
        from lossexp.config import load_config
        from lossexp.output.rundir import check_outputs_root, earlier_result, run_directory
        from lossexp.run.experiment import run_experiment
        from lossexp.run.save import save_run

        with data_dirs(data_dir):
            cfg = load_config(config, set_ or ())
        cfg["plots"] = chosen(plots, cfg["plots"])  # config.yaml records what was drawn
        if animate:
            from lossexp.report.animation import check_animatable

            check_animatable(cfg)
        check_outputs_root(outputs)
        # Before training: a path lossexp may not replace is refused at once.
        replaced = earlier_result(run_directory(outputs, cfg["name"]), "run")
        with epoch_progress(cfg["train"]["epochs"], f"training {cfg['name']}", quiet) as tick:
            result = run_experiment(cfg, on_epoch=tick)
        run_dir = save_run(result, outputs)
        if not quiet:
            console.show_run(cfg, result.summary, run_dir)
            if replaced:
                console.replaced_note(run_dir)
        share([run_dir], report=report, animate=animate, quiet=quiet)
