"""What to read in each figure of a report page: one sentence a figure, and for a run's own
figures, one that says what this run's figure shows (a plateau only where it has one, the
goal it reached or not, a slope panel only for an activation that saturates)."""

from __future__ import annotations

# What to look for in each figure, one sentence, by file stem (and model kind where the
# same stem means a different figure).
CAPTIONS = {
    "loss": "Look for the flat start: the shaded band is the plateau, where the loss barely "
            "moves although the output is still wrong; a dashed line marks the epoch the "
            "target was reached.",
    "gradients": "The gradients rise and fall with the activation's slope σ'(z) (grey): under "
                 "the quadratic cost they are tiny exactly while the neuron is saturated, "
                 "under cross-entropy they follow the error instead.",
    "gradients/mlp": "The output layer's error δ_L = dC/dz_L: while it is tiny, no layer of "
                     "the network can learn, whatever the hidden layers do.",
    "saturation": "Follow z along the activation, marked every few epochs: a start inside "
                  "the grey saturated tail crawls there (the marks crowd) before it slides "
                  "down the slope.",
    "saturation/mlp": "Each sample's signed margin at the first epoch and at the last: below 0 "
                      "it is on the wrong side of the boundary; in the red band it is "
                      "saturated there and stuck, in the green band saturated on the right "
                      "side and done.",
    "layers": "Gradient norm and share of saturated units, layer by layer: a plateau shows "
              "as small norms while most units are saturated.",
    "compare": "The runs on one epoch axis: a dotted line marks where each run's plateau "
               "ends (a dashed one where a run diverged), and the gradient panel shows why "
               "it lasted.",
    "heatmap": "Each pixel is one start (w0, b0), coloured by the epochs it took to reach "
               "the target; compare where the two losses are slow.",
    "z0": "With one sample only z0 = w0 x + b0 matters: read how the epochs to target and "
          "the plateau grow with it for each series, and how close the dashed theory runs.",
    "residuals": "Each output's errors at the start and the end, in units of that output's "
                 "spread: an output the fit ignored keeps its wide spread.",
    "cdf": "The share of the starts that had to learn on target by each epoch: a curve that "
           "rises late, or levels off below 1, means slow or stuck starts.",
    "curves": "Loss curves of evenly spread starts: long flat stretches are plateaus.",
    "cdf/mlp": "The share of seeds at the milestone (95% accuracy, or the target) by each "
               "epoch: a curve that levels off below 100% means networks that never get there.",
    "plateaus": "The share of seeds still on their plateau after t epochs: the dashed line is "
                "the sentence's length; a curve that stays high never left its plateau.",
    "stuck": "The share of seeds that end stuck (saturated outputs, no better than the "
             "majority class) at each init scale, a line per loss and learning rate.",
    "figure": "The variants side by side on the same data: the findings above say what to "
              "read off it.",
    "animation": "Watch the point on the activation: while it sits in the flat tail, the "
                 "slope under it is almost zero and the traces stay flat; once it slides "
                 "onto the steep part, the output and loss fall fast.",
}


def caption(stem: str, kind: str = "", config: dict | None = None,
            summary: dict | None = None) -> str:
    """The sentence under figure ``stem`` (of a model of ``kind``); with the run's config
    and summary, the one for the figure this run drew."""
    if config and summary is not None:
        if stem == "loss":
            return _loss(summary)
        one_sample = "final_rmse" not in summary and "final_accuracy" not in summary
        if stem == "gradients" and kind == "neuron" and one_sample:  # its slope panel
            return _neuron_gradients(config)
        if stem == "layers" and not _any_saturates(config):
            return "Gradient norm layer by layer: a plateau shows as a stretch of small norms."
        if stem == "gradients":  # a line fit draws the output layer's delta, as an MLP
            return CAPTIONS["gradients/mlp"]
    return CAPTIONS.get(f"{stem}/{kind}", CAPTIONS.get(stem, ""))


def _loss(summary: dict) -> str:
    plateau = summary.get("plateau_epochs")
    if summary.get("diverged"):
        first = "The run diverged: a dotted red line marks where its loss left +-1e100."
    elif plateau:
        first = (f"Look for the flat start: the shaded band is the plateau ({plateau} epochs), "
                 f"where the loss barely moves although the output is still wrong.")
    else:
        first = "The loss falls from the start: there is no plateau to shade."
    if "epochs_to_95pct_accuracy" in summary:
        reached = summary["epochs_to_95pct_accuracy"]
        goal = ("95% accuracy was never reached." if reached is None else
                f"In the accuracy panel a dashed line marks 95% accuracy (epoch {reached}).")
    else:
        reached = summary.get("epochs_to_target")
        goal = ("The output never came within the target band." if reached is None else
                f"A dashed green line marks the epoch the output came within the target band "
                f"({reached}).")
    theory = (" Purple lines with a triangle on top are the theory's epochs."
              if any(key.startswith("predicted_") for key in summary) else "")
    return f"{first} {goal}{theory}"


def _activation(config: dict, key: str):
    from lossexp.library import activations

    entry = config.get("model", {}).get(key) or {}
    try:
        return activations.get(entry.get("name", ""))
    except Exception:  # noqa: BLE001 - a config from another version: no tailored sentence
        return None


def _neuron_gradients(config: dict) -> str:
    from lossexp.library import catalogue
    from lossexp.run.figure_marks import saturates

    act = _activation(config, "activation")
    loss = (config.get("loss") or {}).get("name", "")
    if act is None or not saturates(act):
        name = act.name if act else "output"
        return (f"delta = dC/dz is the loss's own factor of the error: the {name} slope is 1 "
                f"everywhere, so nothing vanishes and the gradients follow the error.")
    try:
        fused = catalogue.explain(loss, act.name).fused
    except Exception:  # noqa: BLE001 - an unknown pair: the general sentence
        fused = False
    if fused:
        return ("delta keeps the whole error: the slope (below) cancels against the loss, so "
                "the gradients follow the error even while the neuron is saturated.")
    return ("delta = error x slope: the slope (below) is tiny while the neuron is saturated, "
            "so delta and the gradients stay tiny however wrong the output is.")


def _any_saturates(config: dict) -> bool:
    from lossexp.run.figure_marks import saturates

    model = config.get("model", {})
    acts = [_activation(config, "hidden_activation"), _activation(config, "output_activation")]
    if model.get("kind") == "neuron":
        acts = [_activation(config, "activation")]
    return any(act is None or saturates(act) for act in acts)
