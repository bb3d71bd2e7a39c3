"""Regenerate every result number in the docs from the commands that produce it.

The docs hold blocks between two markers, written by this script:

    <!-- numbers: lossexp demo NAME -->               (docs/losses.md)
    <!-- numbers: lossexp run CONFIG... as NAME -->   (docs/mlp.md, README.md)
    ...table, findings or sentences...
    <!-- end numbers -->

A demo block is the demo's table and findings (``lossexp.demos.catalogue.run_demo``, exactly
what ``lossexp demo NAME`` runs). A run block is written by the generator NAME in RUN_BLOCKS
below from ``run_experiment(load_config(...))`` of the shipped CONFIGs it names (exactly what
``lossexp run CONFIG`` computes; a generator may add ``--set`` overrides, and says so in its
text): it reads the run's summary.json keys and metrics.csv columns. So the docs cannot
drift from what the commands print. Prose outside the blocks states no results.

    python benchmarks/docs_numbers.py            # rewrite the docs
    python benchmarks/docs_numbers.py --check    # exit 1, naming the stale blocks, if any
    python benchmarks/docs_numbers.py --check outlier_factor mlp_loss_table   # only these blocks

All demos take about a minute on one core, so CI runs the full check (.ci/run) and the
test suite checks only the fast ones (tests/test_docs_numbers.py); the run blocks take
about a second together.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "losses.md", ROOT / "docs" / "mlp.md", ROOT / "docs" / "curves.md",
        ROOT / "README.md")
BLOCK = re.compile(r"(<!-- numbers: lossexp (?:demo (?P<demo>\w+)|run (?P<configs>[\w ]+?) as (?P<run>\w+))"
                   r" -->\n)(?P<body>.*?)(?P<end><!-- end numbers -->)", re.S)


@functools.cache
def run(config: str, *sets: str):
    """``lossexp run configs/CONFIG.yaml --set SET...``, in memory (a RunResult)."""
    from lossexp.config import load_config
    from lossexp.run.experiment import run_experiment

    return run_experiment(load_config(str(ROOT / "configs" / f"{config}.yaml"), list(sets)))


def epoch_or_never(epoch: int | None) -> str:
    return "never" if epoch is None else f"epoch {epoch}"


def output_saturated(result) -> str:
    """The percentage of the output layer's units (over samples) saturated at epoch 0."""
    output_layer = len(result.config["model"]["layers"]) - 1
    return f"{100 * result.metrics[f'saturated_{output_layer}'][0]:.0f} %"


# --- README.md -------------------------------------------------------------------------

NEURON_CONFIGS = {  # config: what it shows (the numbers are in the other columns)
    "mse_lucky": "fast learning from the start",
    "mse_unlucky": "a long plateau, then a late descent",
    "ce_lucky": "the loss falls at once (the classic figure's small lr)",
    "ce_unlucky": "no plateau even from the saturated start",
    "ce_unlucky_same_lr": "the fair head-to-head with `mse_unlucky`",
}


def neuron_configs() -> str:
    """The shipped neuron configs: start, loss, lr, and what each run gives."""
    (epochs,) = {run(c).config["train"]["epochs"] for c in NEURON_CONFIGS}
    lines = [f"| config | start (w, b) | loss | lr | output: initial → after {epochs} epochs "
             "| plateau | target reached | what it shows |", "|---|---|---|---|---|---|---|---|"]
    for config, shows in NEURON_CONFIGS.items():
        cfg, s = run(config).config, run(config).summary
        theory = s["predicted_plateau_epochs"]
        plateau = f"{s['plateau_epochs']} epochs" if s["plateau_epochs"] else "none"
        plateau += f" (theory: {theory:g})" if theory else ""
        lines.append(f"| `{config}.yaml` | {cfg['model']['init']['w']:g}, {cfg['model']['init']['b']:g} "
                     f"| {cfg['loss']['name']} | {cfg['train']['lr']:g} "
                     f"| {s['initial_output']:.2f} → {s['final_output']:.2f} | {plateau} "
                     f"| {epoch_or_never(s['epochs_to_target'])} | {shows} |")
    return "\n".join(lines) + "\n"


def mlp_sentence() -> str:
    """The README's two sentences on the quadratic and the cross-entropy MLP."""
    quad, ce = run("mlp_sigmoid_quadratic"), run("mlp_sigmoid_ce")
    layers = "-".join(map(str, quad.config["model"]["layers"]))
    return (f"`mlp_sigmoid_quadratic.yaml` and `mlp_sigmoid_ce.yaml` start a {layers} sigmoid network "
            f"at accuracy {quad.summary['initial_accuracy']:.2f}, with {output_saturated(quad)} of its "
            f"output units saturated. The quadratic cost's mean output delta |δ_L| is "
            f"{quad.metrics['mean_abs_delta'][0]:.4f} (cross-entropy's {ce.metrics['mean_abs_delta'][0]:.3f}); "
            f"it sits on a {quad.summary['plateau_epochs']}-epoch plateau and ends at accuracy "
            f"{quad.summary['final_accuracy']:.2f}, while cross-entropy passes 95 % accuracy at "
            f"{epoch_or_never(ce.summary['epochs_to_95pct_accuracy'])}.\n")


# --- docs/mlp.md -----------------------------------------------------------------------

def mlp_loss_table() -> str:
    """The quadratic against cross-entropy table of docs/mlp.md."""
    quad, ce = run("mlp_sigmoid_quadratic"), run("mlp_sigmoid_ce")
    epochs = quad.config["train"]["epochs"]

    def plateau(r):
        p, loss = r.summary["plateau_epochs"], r.metrics["loss"]
        return "none" if p == 0 else "never left" if p is None else f"{p} epochs, loss {loss[0]:.3f} → {loss[p]:.3f}"

    delta = [r.metrics["mean_abs_delta"][0] for r in (quad, ce)]
    rows = [
        ("accuracy at epoch 0", *(f"{r.summary['initial_accuracy']:.2f}" for r in (quad, ce))),
        ("output units saturated at epoch 0", *(output_saturated(r) for r in (quad, ce))),
        ("mean \\|delta_L\\| at epoch 0", f"{delta[0]:.4f}", f"{delta[1]:.3f} ({delta[1] / delta[0]:.0f}×)"),
        ("plateau", plateau(quad), plateau(ce)),
        ("accuracy ≥ 95 %", *(epoch_or_never(r.summary["epochs_to_95pct_accuracy"]) for r in (quad, ce))),
        (f"accuracy at epoch {epochs}", *(f"{r.summary['final_accuracy']:.2f}" for r in (quad, ce))),
        (f"loss at epoch {epochs}", *(f"{r.summary['final_loss']:.4f}" for r in (quad, ce))),
    ]
    lines = ["| | quadratic | cross-entropy |", "|---|---|---|"] + [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines) + "\n"


def mlp_quadratic_stall() -> str:
    """Where the quadratic network ends: the samples it still gets wrong (their last z_L, the
    ``z_end`` column of output_preactivations.csv) and their slope."""
    quad = run("mlp_sigmoid_quadratic")
    acc, epochs = np.asarray(quad.metrics["accuracy"]), quad.config["train"]["epochs"]
    reached = acc.max()
    z = quad.output_preactivations["z_end"]
    a, y = 1 / (1 + np.exp(-z)), np.asarray(quad.data.y).ravel()
    wrong = np.abs(a - y) > 0.5
    slope = np.median((a * (1 - a))[wrong])
    return (f"Under the quadratic cost the accuracy reaches {reached:.2f} at epoch {int(np.argmax(acc >= reached))} "
            f"and is {acc[-1]:.2f} at epoch {epochs}. The {wrong.sum()} samples still on the wrong side "
            f"end with z_L from {z[wrong].min():.1f} to {z[wrong].max():.1f} (median {np.median(z[wrong]):.1f}), "
            f"where σ'(z_L) is {slope:.1e} (median) and |a - y| {np.median(np.abs(a - y)[wrong]):.4f}; "
            f"the loss ends at {quad.summary['final_loss']:.4f}.\n")


def mlp_xor() -> str:
    """XOR with its hidden layer, and without it (``--set model.layers=[2,1]``)."""
    xor, flat = run("mlp_xor"), run("mlp_xor", "model.layers=[2,1]")
    s, epochs = xor.summary, xor.config["train"]["epochs"]
    acc = np.asarray(flat.metrics["accuracy"])
    flat_acc = f"{acc[0]:.2f} throughout" if acc.min() == acc.max() else f"{acc[0]:.2f} → {acc[-1]:.2f}"
    return (f"Accuracy ≥ 95 % (all four corners) from {epoch_or_never(s['epochs_to_95pct_accuracy'])}, "
            f"every output within {xor.config['target']['tolerance']:g} of its target from "
            f"{epoch_or_never(s['epochs_to_target'])}, loss {s['initial_loss']:.3g} → {s['final_loss']:.2g} "
            f"at epoch {epochs}. With `--set model.layers=[2,1]`: accuracy {flat_acc}, loss "
            f"{flat.summary['initial_loss']:.3g} → {flat.summary['final_loss']:.4f} (ln 2 = {math.log(2):.4f}).\n")


def softmax_blobs() -> str:
    """Mini-batches against full batch on the three blobs."""
    mini, full = run("softmax_ce_blobs"), run("softmax_ce_blobs", "train.batch_size=null")
    s, train = mini.summary, mini.config["train"]
    steps = math.ceil(len(mini.data.y) / train["batch_size"])
    return (f"Accuracy {s['initial_accuracy']:.2f} → {s['final_accuracy']:.2f}, ≥ 95 % from "
            f"{epoch_or_never(s['epochs_to_95pct_accuracy'])} ({steps} mini-batch steps an epoch), loss "
            f"{s['initial_loss']:.3g} → {s['final_loss']:.2g} in {train['epochs']} epochs. Full batch "
            f"(`--set train.batch_size=null`): ≥ 95 % from {epoch_or_never(full.summary['epochs_to_95pct_accuracy'])}, "
            f"loss {full.summary['final_loss']:.2g} at epoch {train['epochs']}.\n")


# --- the plateau measures and their theory (README.md, docs/curves.md) -------------

def plateau_numbers() -> str:
    """The unlucky start's plateau against theory, and the two slow phases over 600 epochs."""
    unlucky = run("mse_unlucky").summary
    lucky6, unlucky6 = run("mse_lucky", "train.epochs=600").summary, run("mse_unlucky", "train.epochs=600").summary
    return (f"For `mse_unlucky` the plateau lasts {unlucky['plateau_epochs']} epochs (theory: "
            f"{unlucky['predicted_plateau_epochs']:g}) and half the fall takes "
            f"{unlucky['half_way_epochs']} (theory: {unlucky['predicted_half_way_epochs']:g}). Over 600 "
            f"epochs the final approach takes {lucky6['approach_epochs']} epochs from the lucky start "
            f"and {unlucky6['approach_epochs']} from the unlucky one, whose plateau ({unlucky6['plateau_epochs']} "
            f"epochs, against {lucky6['plateau_epochs']}) comes first.\n")


def plateau_properties() -> str:
    """The properties table of docs/curves.md, measured."""
    mse = run("mse_unlucky")
    nll = run("mse_unlucky", "loss.name=gaussian_nll", "loss.variance=100", "train.lr=15").summary
    s, loss = mse.summary, mse.metrics["loss"]
    same = all(nll[k] == s[k] for k in ("plateau_epochs", "half_way_epochs", "epochs_to_target"))
    ends = [run("mse_unlucky", f"target.plateau_fraction={f}").summary["plateau_epochs"]
            for f in (0.01, 0.1, 0.3)]
    end = s["plateau_epochs"]
    fallen = (loss[0] - loss[end]) / (loss[0] - loss[-1])
    rows = [
        ("a constant added to the loss, or the loss × c trained at lr / c",
         f"`gaussian_nll` with variance 100 at lr 15 follows `mse_unlucky`'s path, its loss near "
         f"{nll['initial_loss']:.3g} instead of {s['initial_loss']:.2g}: the measures are "
         f"{'identical' if same else 'NOT identical'} (plateau {nll['plateau_epochs']}, half way {nll['half_way_epochs']})"),
        ("the threshold changed tenfold",
         f"f = 0.01, 0.1, 0.3 give {ends[0]}, {ends[1]}, {ends[2]} epochs: a factor of "
         f"{ends[1] / ends[0]:.1f} for ten"),
        ("the line falls where the curve bends",
         f"at epoch {end} the loss has made {100 * fallen:.0f} % of its fall in the run; the steepest "
         f"fall ({s['steepest_descent_epoch']}) and half way ({s['half_way_epochs']}) come after"),
        ("cross-entropy", "plateau " + ", ".join(
            f"{run(c).summary['plateau_epochs']} for `{c}`" for c in ("ce_lucky", "ce_unlucky", "ce_unlucky_same_lr"))),
    ]
    return "\n".join(["| property | measured |", "| --- | --- |"]
                     + [f"| {a} | {b} |" for a, b in rows]) + "\n"


def theory_table() -> str:
    """Measured against predicted epochs for a few starts (docs/curves.md)."""
    cases = [("quadratic", 0.15, 3, 600), ("quadratic", 0.15, 4, 600), ("quadratic", 0.15, 6, 2000),
             ("cross_entropy", 0.15, 4, 300), ("quadratic", 1.5, 5, 300)]
    lines = ["| loss, lr | z0 | plateau | half way | target |", "| --- | ---: | ---: | ---: | ---: |"]
    for loss, lr, z0, epochs in cases:
        s = run("mse_unlucky", f"loss={loss}", f"train.lr={lr}", f"train.epochs={epochs}",
                "model.init.w=0", f"model.init.b={z0}").summary
        cells = [f"{s[k] if s[k] is not None else 'never'} / "
                 f"{'never' if s['predicted_' + k] is None else format(s['predicted_' + k], 'g')}"
                 for k in ("plateau_epochs", "half_way_epochs", "epochs_to_target")]
        lines.append(f"| {loss.replace('_', '-')}, {lr:g} | {z0} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def sweep_grid_sentences() -> str:
    """`lossexp sweep configs/sweep_grid.yaml`: its sentences, and the starts counted apart."""
    import tempfile

    from lossexp.sweep import load_sweep_config, run_sweep

    cfg = load_sweep_config(str(ROOT / "configs" / "sweep_grid.yaml"))
    cfg["plots"], cfg["sweep"]["rows"] = False, False
    with tempfile.TemporaryDirectory() as out:
        series = run_sweep(cfg, out).summary["series"]
    sentences = "".join(f"    {s['series']}: {s['sentence']}\n" for s in series)
    first = series[0]
    return (f"{sentences}\n{first['on_target_at_start']:,} of the grid's {first['starts']:,} starts "
            f"per loss begin on target already; those are counted apart, and the sentence speaks "
            f"of the {first['had_to_learn']:,} starts that had to learn.\n")


def mlp_sweep_sentences() -> str:
    """`lossexp sweep configs/sweep_mlp_seeds.yaml` (6000 networks, about a minute): its
    sentences, and how many quadratic-cost networks end stuck at the largest scale."""
    import tempfile

    from lossexp.sweep import load_sweep_config, run_sweep

    cfg = load_sweep_config(str(ROOT / "configs" / "sweep_mlp_seeds.yaml"))
    cfg["plots"], cfg["sweep"]["rows"] = False, False
    with tempfile.TemporaryDirectory() as out:
        summary = run_sweep(cfg, out).summary
    rows = summary["series"]
    top = max(r["init_scale"] for r in rows)
    stuck = {r["loss"]["name"]: r["stuck_percent"] for r in rows if r["init_scale"] == top}
    lines = "".join(f"    {text}\n" for text in summary["sentences"])
    return (f"{lines}\nAt init scale {top:g}, {stuck['quadratic']:.3g} % of the quadratic cost's "
            f"networks end stuck; {stuck['cross_entropy']:.3g} % of cross-entropy's.\n")


# name: (the configs its marker names, the generator)
RUN_BLOCKS = {
    "mlp_sweep_sentences": (("sweep_mlp_seeds",), mlp_sweep_sentences),
    "sweep_grid_sentences": (("sweep_grid",), sweep_grid_sentences),
    "plateau_numbers": (("mse_unlucky", "mse_lucky"), plateau_numbers),
    "plateau_properties": (("mse_unlucky", "ce_lucky", "ce_unlucky", "ce_unlucky_same_lr"),
                           plateau_properties),
    "theory_table": (("mse_unlucky",), theory_table),
    "neuron_configs": (tuple(NEURON_CONFIGS), neuron_configs),
    "mlp_sentence": (("mlp_sigmoid_quadratic", "mlp_sigmoid_ce"), mlp_sentence),
    "mlp_loss_table": (("mlp_sigmoid_quadratic", "mlp_sigmoid_ce"), mlp_loss_table),
    "mlp_quadratic_stall": (("mlp_sigmoid_quadratic",), mlp_quadratic_stall),
    "mlp_xor": (("mlp_xor",), mlp_xor),
    "softmax_blobs": (("softmax_ce_blobs",), softmax_blobs),
}


def marker(name: str) -> str:
    """The opening marker of run block ``name``."""
    return f"<!-- numbers: lossexp run {' '.join(RUN_BLOCKS[name][0])} as {name} -->"


def generated(match: re.Match) -> str:
    """The block's text: a demo's table, then its findings as a list; or a run generator's."""
    if match["demo"]:
        from lossexp.demos import catalogue

        report = catalogue.run_demo(match["demo"], ROOT / "configs")
        findings = "".join(f"- {line}\n" for line in report.findings)
        return f"{catalogue.report_table(report)}\n{findings}"
    name = match["run"]
    if name not in RUN_BLOCKS or match.group(1).rstrip("\n") != marker(name):
        known = marker(name) if name in RUN_BLOCKS else f"one of {', '.join(RUN_BLOCKS)}"
        raise SystemExit(f"error: unknown run block {match.group(1).strip()}; expected {known}")
    return RUN_BLOCKS[name][1]()


def name_of(match: re.Match) -> str:
    return match["demo"] or match["run"]


def refreshed(text: str, only: set[str] | None = None) -> tuple[str, list[str]]:
    """``text`` with its blocks regenerated (those of ``only``, when given), and the names of
    the blocks that changed."""
    changed = []

    def block(match):
        name = name_of(match)
        if only is not None and name not in only:
            return match.group(0)
        body = generated(match)
        if body != match["body"]:
            changed.append(name)
        return f"{match.group(1)}{body}{match['end']}"

    return BLOCK.sub(block, text), changed


def names_in(text: str) -> list[str]:
    """The demos whose blocks ``text`` holds."""
    return [m["demo"] for m in BLOCK.finditer(text) if m["demo"]]


def run_blocks_in(text: str) -> list[str]:
    """The run blocks ``text`` holds."""
    return [m["run"] for m in BLOCK.finditer(text) if m["run"]]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    only = {a for a in argv if not a.startswith("--")} or None
    stale = []
    for path in DOCS:
        text, changed = refreshed(path.read_text(), only)
        commands = {name_of(m): m.group(1)[len("<!-- numbers: "):-len(" -->\n")] for m in BLOCK.finditer(text)}
        stale += [f"{path.relative_to(ROOT)}: {commands[n]}" for n in changed]
        if changed and not check:
            path.write_text(text)
    for line in stale:
        print(("stale " if check else "rewrote ") + line)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
