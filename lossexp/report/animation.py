"""animation.gif: a single neuron learning, epoch by epoch, as the book animates it.

Four panels: the point (z, a) moving along the activation, the point (z, C) moving along
the cost, and the output and loss traces growing beside them. Several runs (``lossexp
compare --animate``) step together in one figure, one colour each.

The static parts are drawn once; each frame restores them and draws only what moves
(matplotlib's blitting, the technique behind ``FuncAnimation``). ``FuncAnimation`` saved
with ``PillowWriter`` redraws the whole figure for every frame: 11.6 s for these 100
frames on the project's machine, against 0.7 s here, and a 409 kB file against 134 kB.
The frames are encoded by Pillow (a matplotlib dependency, so nothing new to install) with
one shared palette, no dithering and unchanged pixels transparent, so the same runs always
give the same, small bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from lossexp.errors import LossexpError
from lossexp.output import atomic
from lossexp.output.rundir import ANIMATION, claim
from lossexp.report import sources

MAX_FRAMES = 100   # thinned to at most this many epochs ...
PLAY_MS = 12_000   # ... shown over about 12 s
HOLD_MS = 2_000    # and the last frame held a little longer
DPI = 80
COLOURS_USED = 63  # palette entries for the picture; the last index means "unchanged"
UNCHANGED = COLOURS_USED
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")  # as compare.png


@dataclass
class Track:
    """What one run contributes: its label, config and per-epoch columns."""

    label: str
    config: dict
    epoch: list
    z: list
    output: list
    loss: list


def check_animatable(cfg: dict) -> None:
    """Before a run trains: LossexpError unless ``cfg`` is what ``track`` animates, a single
    neuron on one sample."""
    from lossexp.tasks import make_data
    from lossexp.train.model import model_layers
    from lossexp.train.trace import is_single_neuron

    samples = make_data(cfg["task"], cfg["train"]["seed"]).samples
    if not is_single_neuron(model_layers(cfg["model"], cfg["task"]), samples) \
            or "y" not in cfg["task"]:
        raise LossexpError(f"{cfg['name']}: only a single neuron on one sample has one z to "
                           "animate; leave out --animate")


def track(results: sources.Results) -> Track:
    """The columns of a one-sample neuron run; LossexpError for anything else."""
    if results.kind != sources.RUN:
        raise LossexpError(f"{results.directory}: only a run can be animated, not a "
                           f"{results.kind}")
    columns = results.metrics()
    if "z" not in columns or "y" not in results.config.get("task", {}):
        raise LossexpError(f"{results.directory}: only a single neuron on one sample has one "
                           f"z to animate (this run has no z column)")
    return Track(results.name, results.config, columns["epoch"], columns["z"],
                 columns["output"], columns["loss"])


def frame_epochs(epochs: int) -> list[int]:
    """At most MAX_FRAMES epoch indices from 0 to ``epochs``, evenly spread, both ends in."""
    count = min(epochs + 1, MAX_FRAMES)
    if count == 1:
        return [0]
    return sorted({round(i * epochs / (count - 1)) for i in range(count)})


def frame_durations(count: int) -> list[int]:
    """Milliseconds per frame: PLAY_MS shared out (in the GIF's 10 ms steps), last held."""
    each = min(1000, max(20, 10 * round(PLAY_MS / count / 10)))
    return [each] * (count - 1) + [each + HOLD_MS]


def _finite_range(values, pad=0.05):
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    margin = (high - low) * pad
    return low - margin, high + margin


def _figure(tracks: list[Track]):
    """The figure with everything static drawn, and the artists each frame moves."""
    import matplotlib

    # Large type for a small picture: it is read on phones and projected in lectures.
    with matplotlib.rc_context({"font.size": 11, "axes.titlesize": 11.5,
                                "legend.fontsize": 10}):
        return _draw_figure(tracks)


def _draw_figure(tracks: list[Track]):
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.4, 5.2), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.1, top=0.86, wspace=0.24, hspace=0.5)
    (ax_act, ax_cost), (ax_out, ax_loss) = fig.subplots(2, 2)
    span = max([6.0] + [1.1 * abs(z) for t in tracks for z in t.z if math.isfinite(z)])
    z = np.linspace(-span, span, 400)
    drawn_act, drawn_cost, moving = set(), set(), []
    last_epoch = max(t.epoch[-1] for t in tracks)
    for index, t in enumerate(tracks):
        color = COLORS[index % len(COLORS)]
        act, cost = sources.cost_of_z(t.config)
        act_key = repr(sources.output_activation(t.config))
        cost_key = (act_key, repr(t.config["loss"]), t.config["task"]["y"])
        if act_key not in drawn_act:
            drawn_act.add(act_key)
            ax_act.plot(z, act(z), color="#555555", lw=1.5)
        if cost_key not in drawn_cost:
            with np.errstate(all="ignore"):
                ax_cost.plot(z, cost(z), color="#555555", lw=1.5,
                             ls=("-", "--", ":", "-.")[len(drawn_cost) % 4],
                             label=t.config["loss"]["name"])
            drawn_cost.add(cost_key)
        # Each run's point a little smaller than the one before: points at the same z
        # show as rings around each other instead of hiding one another.
        dot = {"marker": "o", "ls": "none", "color": color, "ms": max(5, 11 - 2.5 * index),
               "mec": "black", "mew": 0.8, "animated": True}
        moving.append({
            "act": ax_act.plot([], [], **dot)[0],
            "cost": ax_cost.plot([], [], **dot)[0],
            "out": ax_out.plot([], [], color=color, lw=2, animated=True, label=t.label)[0],
            "loss": ax_loss.plot([], [], color=color, lw=2, animated=True)[0],
        })
        ax_out.axhline(t.config["task"]["y"], color="#999999", ls=":", lw=1)
    name = sources.output_activation(tracks[0].config)["name"]
    ax_act.set(title=f"output a = {name}(z)", xlabel="z = w x + b", xlim=(-span, span))
    losses = sorted({t.config["loss"]["name"] for t in tracks})
    ax_cost.set(title=f"cost C(z): {', '.join(losses)}", xlabel="z = w x + b",
                xlim=(-span, span))
    with np.errstate(all="ignore"):
        costs = [v for t in tracks for v in sources.cost_of_z(t.config)[1](z)]
    ax_cost.set_ylim(*_finite_range(costs))
    ax_out.set(title="output per epoch (dotted: target)", xlabel="epoch", xlim=(0, last_epoch),
               ylim=_finite_range([v for t in tracks for v in t.output]
                                  + [t.config["task"]["y"] for t in tracks]))
    ax_loss.set(title="loss per epoch", xlabel="epoch", xlim=(0, last_epoch),
                ylim=_finite_range([v for t in tracks for v in t.loss]))
    for ax in (ax_act, ax_cost, ax_out, ax_loss):
        ax.grid(alpha=0.3)
    if len(drawn_cost) > 1:
        ax_cost.legend(loc="upper left")
    if len(tracks) > 1:
        fig.legend(handles=[m["out"] for m in moving], loc="upper right", ncols=len(tracks),
                   frameon=False)
    title = fig.text(0.02, 0.95, "", fontsize=13, weight="bold", animated=True)
    return fig, canvas, moving, title, last_epoch, tracks[0].label if len(tracks) == 1 else ""


def _frames(tracks: list[Track]):
    """One (height, width) uint32 array per thinned epoch: each pixel's RGB packed as
    0xBBGGRR, so comparing frames or colours is one integer comparison."""
    import numpy as np

    fig, canvas, moving, title, last, name = _figure(tracks)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    functions = [sources.cost_of_z(t.config) for t in tracks]
    frames = []
    for epoch in frame_epochs(int(last)):
        canvas.restore_region(background)
        for t, artists, (act, cost) in zip(tracks, moving, functions):
            i = min(epoch, len(t.epoch) - 1)
            artists["act"].set_data([t.z[i]], [float(act(t.z[i]))])
            artists["cost"].set_data([t.z[i]], [float(cost(t.z[i]))])
            artists["out"].set_data(t.epoch[:i + 1], t.output[:i + 1])
            artists["loss"].set_data(t.epoch[:i + 1], t.loss[:i + 1])
            for key in ("act", "cost", "out", "loss"):
                fig.draw_artist(artists[key])
        title.set_text(f"{name + ': ' if name else ''}epoch {epoch} of {last:.0f}")
        fig.draw_artist(title)
        rgba = np.asarray(canvas.buffer_rgba())
        frames.append(rgba.view("<u4")[..., 0] & 0xFFFFFF)  # bytes R, G, B, A
    return frames


def rgb(frame):
    """A packed frame as an (height, width, 3) uint8 array."""
    import numpy as np

    return frame.astype("<u4").view(np.uint8).reshape(*frame.shape, 4)[..., :3]


def gif_bytes(tracks: list[Track]) -> bytes:
    """The animation as GIF bytes: thinned frames, one palette, deterministic."""
    import numpy as np
    from PIL import Image

    frames = _frames(tracks)
    # One palette for all frames, taken from the last (every line fully drawn): colours
    # stay put from frame to frame, and no dithering keeps flat areas compressible.
    palette = Image.fromarray(np.ascontiguousarray(rgb(frames[-1]))).quantize(
        colors=COLOURS_USED, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    colours = _white_exact(palette.getpalette()[:3 * COLOURS_USED])
    table = np.array(colours, dtype=np.int64).reshape(-1, 3)
    # Each later frame is drawn over the one before (disposal 1); the pixels that have not
    # changed are left transparent, so a frame costs only what moved in it.
    now = _nearest(frames[0].reshape(-1), table).reshape(frames[0].shape)
    images = [_indexed(now, colours)]
    for before_rgb, packed in zip(frames, frames[1:]):
        moved = packed != before_rgb
        before, now = now, now.copy()
        now[moved] = _nearest(packed[moved], table)
        images.append(_indexed(np.where(now == before, UNCHANGED, now), colours))
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=frame_durations(len(images)), loop=0, disposal=1,
                   transparency=UNCHANGED, optimize=False)
    return buf.getvalue()


def _nearest(packed, table):
    """The index of the nearest palette colour for each packed pixel (exact, unlike Pillow's
    quantize-to-palette, which looks colours up on a coarse grid and greys the white)."""
    import numpy as np

    distinct, where = np.unique(packed, return_inverse=True)
    distinct = distinct.astype(np.int64)
    colours = np.stack([distinct & 255, (distinct >> 8) & 255, distinct >> 16], axis=1)
    distance = ((colours[:, None, :] - table[None, :, :]) ** 2).sum(axis=2)
    return distance.argmin(axis=1).astype(np.uint8)[where.reshape(-1)]


def _white_exact(colours: list[int]) -> list[int]:
    """The palette with its lightest entry made pure white, like the page around it
    (median cut averages the background with the anti-aliased edges next to it)."""
    rgb = [colours[i:i + 3] for i in range(0, len(colours), 3)]
    lightest = max(range(len(rgb)), key=lambda i: sum(rgb[i]))
    rgb[lightest] = [255, 255, 255]
    return [v for entry in rgb for v in entry]


def _indexed(pixels, colours: list[int]):
    from PIL import Image

    image = Image.fromarray(pixels.astype("uint8"), mode="P")
    image.putpalette(colours + [255, 255, 255])  # the last entry: "unchanged", transparent
    return image


def write_animation(result_dirs, out: Path) -> Path:
    """Write out/animation.gif from one or several run directories; return its path."""
    tracks = [track(sources.read_results(d)) for d in result_dirs]
    if not tracks:
        raise LossexpError("give at least one run directory to animate")
    claim(Path(out), ANIMATION)
    path = Path(out) / ANIMATION
    atomic.write_bytes(path, gif_bytes(tracks))
    return path
