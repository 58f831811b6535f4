"""L2 vs decoupled weight decay: the same under SGD, different under Adam (Loshchilov and Hutter 2019)."""

import pytest

from sims.spec import ParamError
from sims.weight_decay import SIM

SEEDS = [0, 1]


@pytest.fixture(scope="module")
def result():
    return SIM.run({"epochs": 6, "decays": [0.01, 0.3]}, seeds=SEEDS, device="cpu")


def test_sgd_with_l2_and_sgd_with_decoupled_decay_are_one_training(result):
    assert result.observable("sgd_forms_match").value is True
    for decay in ("0.01", "0.3"):
        assert result.metric(f"sgd+l2 {decay}", "final_val_loss") == pytest.approx(
            result.metric(f"sgdw {decay}", "final_val_loss"), rel=1e-5
        )


def test_adam_with_l2_is_not_adamw(result):
    assert result.observable("adam_forms_differ").value is True


def test_l2_through_adam_shrinks_weights_harder_than_adamw_at_the_same_coefficient(result):
    assert result.observable("shrinks_more_at_same_coefficient").value == "adam+l2"
    l2, decoupled = (result.metric(f"{form} 0.01", "weight_norm") for form in ("adam+l2", "adamw"))
    assert l2 < 0.9 * decoupled


def test_more_decay_means_smaller_weights_in_every_form(result):
    for form in ("adam+l2", "adamw", "sgd+l2", "sgdw"):
        assert result.metric(f"{form} 0.3", "weight_norm") < result.metric(f"{form} 0.01", "weight_norm")


def test_decays_out_of_order_are_refused():
    with pytest.raises(ParamError, match="decays must be increasing"):
        SIM.params({"decays": [0.1, 0.01]})
