"""The loss and activation library as data: what ``lossexp list`` and ``lossexp explain`` show.

``loss_rows()`` and ``activation_rows()`` describe every registered loss and activation
(formula, gradient or derivative, parameters and defaults, where it saturates).
``explain(loss, activation)`` works out the output error delta = dC/dz for a pair, names
the factor that vanishes when the activation saturates, and evaluates it at a saturated
start, so the plateau (or its absence) shows in numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossexp.library import activations, losses, parameters
from lossexp.library.fused import fused_output


@dataclass(frozen=True)
class LossRow:
    name: str
    formula: str
    gradient: str
    params: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class ActivationRow:
    name: str
    formula: str
    derivative: str
    output_range: str
    saturation_region: str
    params: tuple[str, ...]


def _params(cls) -> tuple[str, ...]:
    return tuple(parameters.describe(k, spec) for k, spec in cls.params.items())


def loss_rows() -> list[LossRow]:
    return [LossRow(name, cls.formula, cls.gradient, _params(cls), cls.note)
            for name, cls in losses.LOSSES.items()]


def activation_rows() -> list[ActivationRow]:
    rows = []
    for name, cls in activations.ACTIVATIONS.items():
        act = cls()
        rows.append(ActivationRow(name, act.formula, act.derivative, act.output_range,
                                  act.saturation_region, _params(cls)))
    return rows


# A start deep in each activation's flat part (z) with a target at the far end of its range
# (y): the output is as wrong as it gets, and the slope is small. The sigmoid's is the
# classic unlucky start, z = w + b = 4 for the 1 -> 0 neuron.
SATURATED_STARTS = {
    "sigmoid": (4.0, 0.0),
    "tanh": (4.0, -1.0),
    "relu": (-4.0, 1.0),
    "leaky_relu": (-4.0, 1.0),
    "softplus": (-4.0, 1.0),
    "identity": (4.0, 0.0),
    "softmax": ((4.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
}


@dataclass(frozen=True)
class Example:
    """delta = dC/dz evaluated at one start; tuples have one entry per output unit."""

    z: tuple[float, ...]
    y: tuple[float, ...]
    a: tuple[float, ...]
    dc_da: tuple[float, ...]
    slope: tuple[float, ...] | None  # da/dz (None for softmax, whose slope is a Jacobian)
    delta: tuple[float, ...]
    # The factor the update uses in place of dC/da, where the two differ (signed_error's
    # step sign(a - y) is not the derivative of C = y - a, which is -1); else None.
    step: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Explanation:
    loss: str
    activation: str
    cost: str            # C in terms of a (in z for a fused pair)
    output: str          # a in terms of z
    delta: str           # dC/dz
    fused: bool
    vanishing: str | None  # the factor of delta that goes to 0 when the activation saturates
    saturation_region: str  # where the activation saturates
    summary: str         # one sentence: what this means for learning
    warning: str | None  # the pair makes no sense (e.g. cross_entropy after tanh)
    example: Example | None


def _operand(expr: str) -> str:
    """``expr`` in parentheses if it has a sum, difference or condition outside any."""
    depth = 0
    for i, ch in enumerate(expr):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and (expr[i:i + 3] in (" + ", " - ") or expr[i:i + 4] == " if "):
            return f"({expr})"
    return expr


def _loss_input(loss, a):
    """The prediction the loss reads: extra columns (log sigma^2) at 0, i.e. sigma = 1."""
    extra = (loss.heads_per_target - 1 + loss.learned_per_target) * a.shape[-1]
    return np.concatenate([a, np.zeros(a.shape[:-1] + (extra,))], axis=-1) if extra else a


def _example(loss, act, fused) -> Example:
    z_start, y_start = SATURATED_STARTS[act.name]
    z = np.atleast_1d(np.asarray(z_start, dtype=np.float64))
    y = np.atleast_1d(np.asarray(y_start, dtype=np.float64))
    a = act.value(z)
    dc_da = loss.grad(_loss_input(loss, a), y)[..., :a.shape[-1]]
    step = None
    if not loss.grad_is_derivative:  # the update's factor is not dC/da: report both
        step, h = dc_da, 1e-6
        dc_da = (loss.value(a + h, y) - loss.value(a - h, y)) / (2 * h)
    if fused:
        delta = fused.delta(z, y)
    elif act.elementwise:
        delta = (dc_da if step is None else step) * act.grad(z)
    else:
        delta = act.vjp(z, dc_da if step is None else step)
    slope = tuple(act.grad(z).tolist()) if act.elementwise else None
    return Example(*(tuple(v.tolist()) for v in (z, y, a, dc_da)), slope, tuple(delta.tolist()),
                   None if step is None else tuple(step.tolist()))


def explain(loss_name: str, activation_name: str) -> Explanation:
    """delta = dC/dz for this pair (default parameters) and the factor that vanishes.

    Raises ``LossexpError`` for an unknown name, with the close matches.
    """
    loss, act = losses.get(loss_name), activations.get(activation_name)
    fused = fused_output(loss, act)
    output = f"a = {act.formula}"
    problem = loss.range_problem(act)
    warning = f"{problem}: this pair is not meaningful" if problem else None
    # The example is one unit (the softmax's three): a loss that needs more outputs than
    # that (categorical cross-entropy on one sigmoid) has none to show.
    units = np.size(SATURATED_STARTS[act.name][0])
    example = None if warning or loss.columns_problem(units) else _example(loss, act, fused)
    if fused:
        return Explanation(
            loss.name, act.name, f"C = {fused.formula}", output, fused.delta_formula, True, None,
            act.saturation_region,
            f"Fused: {fused.cancels}, so delta keeps the whole error however saturated "
            f"the unit is. Nothing vanishes: no plateau.", warning, example)
    if act.elementwise:
        vanishing = None if act.derivative == "1" else act.derivative
        delta = (loss.gradient if vanishing is None
                 else f"{_operand(loss.gradient)} * {_operand(act.derivative)}")
    else:
        vanishing = "p_k (delta_kj - p_j)"  # the softmax Jacobian
        delta = f"p_k (g_k - sum_j g_j p_j),  g = dC/da = {loss.gradient}"
    if vanishing is None:
        summary = (f"{act.name} never saturates: delta is the loss gradient itself, "
                   f"so the step follows the error.")
    else:
        summary = (f"The factor {_operand(vanishing)} goes to 0 where {act.name} saturates "
                   f"({act.saturation_region}), however wrong the output is: learning stalls there "
                   f"(the plateau).")
    return Explanation(loss.name, act.name, f"C = {loss.formula}", output, delta, False,
                       vanishing, act.saturation_region, summary, warning, example)
