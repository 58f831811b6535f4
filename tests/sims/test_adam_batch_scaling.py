"""Square-root scaling for Adam, linear for SGD: each rule keeps its optimizer on the small-batch curve."""

import functools
import math

import pytest

from sims.adam_batch_scaling import SIM
from sims.spec import ParamError

SEEDS = [0, 1, 2]


@functools.cache
def default_run():
    return SIM.run(seeds=SEEDS)


def test_adam_follows_the_base_curve_with_the_rate_times_sqrt_k():
    result = default_run()
    for k in (2, 4):
        closest = result.observable("closest_rule", f"adam x{k}")
        assert closest.value == "sqrt" and closest.agreeing == len(SEEDS)
        gaps = {rule: result.observable("curve_gap", f"adam x{k} lr {rule}").value for rule in ("x1", "sqrt", "linear")}
        # the linear rule overshoots, the unchanged rate falls far behind
        assert gaps["sqrt"] < 0.9 * gaps["linear"] < gaps["x1"]
        assert gaps["x1"] > 2 * gaps["sqrt"]


def test_sgd_follows_the_base_curve_with_the_rate_times_k():
    result = default_run()
    for k in (2, 4):
        closest = result.observable("closest_rule", f"sgd x{k}")
        assert closest.value == "linear" and closest.agreeing == len(SEEDS)
        linear = result.observable("curve_gap", f"sgd x{k} lr linear").value
        sqrt = result.observable("curve_gap", f"sgd x{k} lr sqrt").value
        assert linear < 0.1 < sqrt  # the linear rule all but retraces the base curve; sqrt(k) lags
        assert linear < 0.2 * sqrt


def test_each_run_has_the_batch_and_rate_its_rule_gives():
    result = default_run()
    params = SIM.params({})
    for optimizer, lr in (("adam", params.adam_lr), ("sgd", params.sgd_lr)):
        assert result.metric(f"{optimizer} base", "batch_size") == params.base_batch
        for k in params.ks:
            for rule, factor in (("x1", 1.0), ("sqrt", math.sqrt(k)), ("linear", float(k))):
                name = f"{optimizer} x{k} lr {rule}"
                assert result.metric(name, "batch_size") == k * params.base_batch
                assert result.metric(name, "lr") == pytest.approx(lr * factor)


def test_a_batch_larger_than_the_training_set_is_refused():
    with pytest.raises(ParamError, match="larger than train_size"):
        SIM.params({"ks": [2, 64], "base_batch": 16, "train_size": 1000})
