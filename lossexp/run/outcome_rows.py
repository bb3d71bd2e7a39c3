"""The outcome rows that mean something for a run's model, the most telling first, as
``lossexp run`` prints them and ``lossexp compare`` lines several runs up: accuracy for a
classifier, the error of each output for a regression, the output itself for the single
neuron (one sample, so its output is the whole story). No NumPy: read from summary.json.
"""

from __future__ import annotations

# Rows counted in epochs: for them null means "never", elsewhere "not a finite number".
_EPOCH_COUNTS = ("epochs to", "plateau", "half way", "approach")
_FALL = ("plateau", "half way", "approach")  # measured on the loss's fall


def never_reached(name: str, summary: dict) -> bool:
    """Whether null in row ``name`` (a label, or a summary key such as ``plateau_epochs``)
    means "never": an epoch count, except the measures of the loss's fall in a run that
    diverged (it never fell; it blew up, and shows "-")."""
    name = name.replace("_", " ")
    if summary.get("diverged") and name.startswith(_FALL):
        return False
    return name.startswith(_EPOCH_COUNTS)


def outcome_rows(cfg: dict, summary: dict) -> list[tuple[str, str | None, object]]:
    """(label, summary key or None, value) per row, for the resolved config ``cfg``."""
    def row(label: str, key: str):
        return label, key, summary.get(key)

    tol = cfg["target"]["tolerance"]
    reached = [row(f"epochs to target (every |a - y| < {tol:g})", "epochs_to_target")]
    approach = [row("approach: half way -> target", "approach_epochs")]
    losses = [row("initial loss", "initial_loss"), row("final loss", "final_loss")]
    if "final_accuracy" in summary:
        lead = [row("initial accuracy", "initial_accuracy"),
                row("final accuracy", "final_accuracy")]
        # a classifier is judged by its accuracy, not by |a - y| < tol, where the approach
        # ends (summary.json keeps it)
        reached = [row("epochs to 95% accuracy", "epochs_to_95pct_accuracy")]
        approach = []
    elif "final_rmse" in summary:
        rmse = summary["final_rmse"]
        lead = [(f"RMSE, output {k + 1}" if len(rmse) > 1 else "RMSE", None, v)
                for k, v in enumerate(rmse)]
    else:
        lead = [row("initial output", "initial_output"), row("final output", "final_output")]
        reached = [row(f"epochs to target (|a - y| < {tol:g})", "epochs_to_target")]
    rows = (lead + losses + reached + [row("plateau (epochs)", "plateau_epochs"),
                                       row("half way (epochs)", "half_way_epochs")]
            + approach + [row("diverged", "diverged")])
    away = summary.get("learned_ran_away")
    if away:  # a learned weight that ran off is a failure, however calm the loss looks
        rows.append(("learned sigma ran away", None, "output " + ", ".join(map(str, away))
                     + " switched off"))
    return rows
