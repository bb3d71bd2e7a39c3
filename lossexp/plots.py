"""Figures of a run: loss curve, gradient trace, and the path z took on the activation.

The only module that imports matplotlib, and only when a plot is drawn. It uses the
object-oriented API (``Figure``) rather than pyplot: no global state, no GUI backend.
Each figure is saved as PNG and SVG; SVGs carry no date and a fixed id salt, so they are
reproducible too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossexp import atomic

PLATEAU_COLOR = "#f4a261"
SATURATED_COLOR = "#e0e0e0"


def _figure(width=7.0, height=4.2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def save(fig, directory: Path, stem: str, formats=("png", "svg")) -> list[Path]:
    """Save ``fig`` as directory/stem.{png,svg}, each file written atomically."""
    import io

    import matplotlib

    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "lossexp", "svg.fonttype": "none"}):
        for fmt in formats:
            buf = io.BytesIO()
            meta = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(buf, format=fmt, dpi=110, metadata=meta)
            path = Path(directory) / f"{stem}.{fmt}"
            atomic.write_bytes(path, buf.getvalue())
            paths.append(path)
    return paths


def output_activation(model: dict) -> dict:
    """The named output activation of a model section, whatever its kind."""
    return model["activation"] if model["kind"] == "neuron" else model["output_activation"]


def run_label(cfg: dict) -> str:
    """The key values of a config, for titles: loss, activation, start, lr."""
    model = cfg["model"]
    parts = [cfg["loss"]["name"]]
    if model["kind"] == "neuron":
        init = model["init"]
        parts += [model["activation"]["name"], f"w0={init['w']:g}, b0={init['b']:g}"]
    else:
        init = model["init"]
        scale = "" if init["scale"] is None else f" {init['scale']:g}"
        parts += ["-".join(str(n) for n in model["layers"]),
                  f"{model['hidden_activation']['name']}/{model['output_activation']['name']}",
                  f"init {init['scheme']}{scale}"]
    parts.append(f"lr={cfg['train']['lr']:g}")
    return ", ".join(parts)


def loss_figure(cfg: dict, metrics: dict, summary: dict):
    fig, ax = _figure()
    epochs, loss = metrics["epoch"], metrics["loss"]
    ax.plot(epochs, loss, color="#1d3557", lw=2, label="loss")
    plateau = summary.get("plateau_epochs") or 0
    if plateau:
        ax.axvspan(0, plateau, color=PLATEAU_COLOR, alpha=0.25,
                   label=f"plateau ({plateau} epochs)")
    reached = summary.get("epochs_to_target")
    if reached is not None:
        ax.axvline(reached, color="#2a9d8f", ls="--",
                   label=f"target reached (epoch {reached})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({cfg['loss']['name']})")
    ax.set_title(f"{cfg['name']}: loss per epoch\n{run_label(cfg)}")
    ax.set_xlim(epochs[0], epochs[-1])
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right")
    return fig


def _positive(values):
    values = np.abs(np.asarray(values, dtype=float))
    return np.where(values > 0, values, np.nan)


def gradients_figure(cfg: dict, metrics: dict, summary: dict):
    fig, ax = _figure()
    epochs = metrics["epoch"]
    ax.plot(epochs, _positive(metrics["grad_w"]), lw=2, label="|dC/dw|")
    ax.plot(epochs, _positive(metrics["grad_b"]), lw=1.5, ls="--", label="|dC/db|")
    act = output_activation(cfg["model"])["name"]
    ax.plot(epochs, _positive(metrics["activation_grad"]), lw=1.5, color="#6d6875",
            label=f"{act}'(z)  (the factor that vanishes)")
    plateau = summary.get("plateau_epochs") or 0
    if plateau:
        ax.axvspan(0, plateau, color=PLATEAU_COLOR, alpha=0.25, label="plateau")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("magnitude (log scale)")
    ax.set_title(f"{cfg['name']}: gradient and activation slope\n{run_label(cfg)}")
    ax.set_xlim(epochs[0], epochs[-1])
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best")
    return fig


def saturation_figure(cfg: dict, metrics: dict, summary: dict):
    from lossexp.models import build_activation

    act = build_activation(output_activation(cfg["model"]))
    fig, ax = _figure()
    z_path = np.asarray(metrics["z"], dtype=float)
    finite = z_path[np.isfinite(z_path)]
    span = max(6.0, 1.15 * float(np.max(np.abs(finite)))) if finite.size else 6.0
    z = np.linspace(-span, span, 801)
    ax.plot(z, act.value(z), color="#1d3557", lw=2, label=f"{act.name}(z)")
    saturated = act.saturated(z)
    ax.fill_between(z, 0, 1, where=saturated, transform=ax.get_xaxis_transform(),
                    color=SATURATED_COLOR, alpha=0.8, label="saturated (slope < 10% of max)")
    a_path = act.value(z_path)
    points = ax.scatter(z_path, a_path, c=metrics["epoch"], cmap="viridis", s=12, zorder=3)
    ax.plot(z_path[0], a_path[0], "o", ms=10, mfc="none", mec="#e63946", mew=2,
            label=f"start z={z_path[0]:.3g}", zorder=4)
    ax.plot(z_path[-1], a_path[-1], "s", ms=9, mfc="none", mec="#2a9d8f", mew=2,
            label=f"end z={z_path[-1]:.3g}", zorder=4)
    fig.colorbar(points, ax=ax, label="epoch")
    ax.set_xlabel("pre-activation z = w x + b")
    ax.set_ylabel("output a")
    ax.set_title(f"{cfg['name']}: where z travelled on the {act.name}\n{run_label(cfg)}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_run(cfg: dict, metrics: dict, summary: dict, directory: Path) -> list[Path]:
    figures = {"loss": loss_figure}
    if "grad_w" in metrics:
        figures.update(gradients=gradients_figure, saturation=saturation_figure)
    paths = []
    for stem, make in figures.items():
        paths += save(make(cfg, metrics, summary), directory, stem)
    return paths
