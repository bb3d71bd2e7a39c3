"""The run table leads with what the model is judged by, and flags a learned sigma that ran away."""

from lossexp.run.outcome_rows import outcome_rows

CFG = {"target": {"tolerance": 0.1}}
COMMON = {"initial_loss": 1.0, "final_loss": 0.1, "epochs_to_target": None,
          "plateau_epochs": 0, "diverged": False, "initial_output": 0.9, "final_output": 0.1}


def labels(summary):
    return [label for label, _, _ in outcome_rows(CFG, {**COMMON, **summary})]


def test_a_classifier_leads_with_accuracy_and_its_milestone_not_the_first_samples_output():
    rows = labels({"initial_accuracy": 0.0, "final_accuracy": 1.0, "epochs_to_95pct_accuracy": 7})
    assert rows[:2] == ["initial accuracy", "final accuracy"]
    assert "epochs to 95% accuracy" in rows
    assert "final output" not in rows and not any("|a - y|" in r for r in rows)
    # The approach ends at |a - y| < tol, not at the accuracy milestone the table shows.
    assert not any(r.startswith("approach") for r in rows)


def test_a_regression_leads_with_its_rmse_per_output_and_flags_a_runaway_sigma():
    rows = outcome_rows(CFG, {**COMMON, "final_rmse": [0.5, 683.6, 0.006], "learned_ran_away": [2]})
    assert [r[0] for r in rows[:3]] == ["RMSE, output 1", "RMSE, output 2", "RMSE, output 3"]
    assert ("learned sigma ran away", None, "output 2 switched off") in rows
    assert "final output" not in [r[0] for r in rows]


def test_the_single_neuron_keeps_its_output():
    assert labels({})[:2] == ["initial output", "final output"]


def test_a_run_that_diverged_shows_no_plateau_rather_than_never_leaving_one(cli, tmp_path):
    from conftest import CONFIGS

    done = cli("run", CONFIGS / "mse_unlucky.yaml", "--set", "model.activation=identity",
               "--set", "train.lr=1.5", "--outputs", tmp_path, "--no-plots")
    assert done.exit_code == 0, done.output
    cells = {line.split("│")[1].strip(): line.split("│")[2].strip()
             for line in done.stdout.splitlines() if line.count("│") >= 3}
    assert cells["diverged"] == "yes"
    assert cells["epochs to target (|a - y| < 0.1)"] == "never"  # it never got there
    assert cells["plateau (epochs)"] == cells["half way (epochs)"] == "—"  # nor fell at all
