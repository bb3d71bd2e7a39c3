"""A report page's sentence under each of a run's figures says what that figure shows."""

from lossexp.report.captions import caption

NEURON = {"model": {"kind": "neuron", "activation": {"name": "sigmoid"}},
          "loss": {"name": "quadratic"}}


def test_the_loss_caption_names_a_plateau_and_a_target_only_where_the_run_has_them():
    unlucky = caption("loss", "neuron", NEURON, {"plateau_epochs": 152, "epochs_to_target": None,
                                                 "predicted_plateau_epochs": 150.5})
    assert "the plateau (152 epochs)" in unlucky and "never came within" in unlucky
    assert "theory's epochs" in unlucky
    lucky = caption("loss", "neuron", NEURON, {"plateau_epochs": 0, "epochs_to_target": 273})
    assert "no plateau" in lucky and "(273)" in lucky and "theory" not in lucky
    net = caption("loss", "mlp", NEURON, {"plateau_epochs": 0, "epochs_to_95pct_accuracy": 7,
                                          "epochs_to_target": 365})
    assert "95% accuracy (epoch 7)" in net and "365" not in net
    blown = caption("loss", "neuron", NEURON, {"plateau_epochs": None, "diverged": True,
                                               "epochs_to_target": None})
    assert "diverged" in blown and "plateau" not in blown


def test_a_neuron_s_gradient_caption_follows_its_activation_and_loss():
    gated = caption("gradients", "neuron", NEURON, {})
    fused = caption("gradients", "neuron", {**NEURON, "loss": {"name": "cross_entropy"}}, {})
    linear = caption("gradients", "neuron",
                     {**NEURON, "model": {"kind": "neuron", "activation": {"name": "identity"}}},
                     {})
    assert "tiny while the neuron is saturated" in gated
    assert "cancels" in fused and "tiny" not in fused
    assert "slope is 1" in linear and "saturated" not in linear
    # A neuron on many samples (a line fit) draws the output delta, with no slope panel.
    fit = caption("gradients", "neuron", NEURON, {"final_rmse": [0.5]})
    assert "(below)" not in fit and "output layer's error" in fit


def test_layers_without_a_saturating_activation_promise_no_saturation_panel():
    lines = {"kind": "mlp", "hidden_activation": {"name": "identity"},
             "output_activation": {"name": "identity"}}
    assert "saturated" not in caption("layers", "mlp", {"model": lines}, {})
    tanh = {**lines, "hidden_activation": {"name": "tanh"}}
    assert "saturated" in caption("layers", "mlp", {"model": tanh}, {})
