"""Every simulation by name. Importing this does not import torch."""

from __future__ import annotations

from sims import (
    adam_batch_scaling,
    adam_warmup,
    batch_size_sweep,
    batchnorm_batch_size,
    clipping_spikes,
    data_order_and_optimizers,
    data_parallel,
    data_repetition,
    double_descent_epochs,
    epochs_overfitting,
    grad_accumulation,
    large_batch_gap,
    learning_rate_sweep,
    lr_batch_scaling,
    lr_range_test,
    memory_and_throughput,
    memory_scaling,
    noise_scale,
    online_vs_batch_drift,
    out_of_core,
    schedules,
    steps_to_target,
    training_regimes,
    updates_per_epoch,
    weight_decay,
)
from sims.simulation import Simulation
from sims.spec import SimError

SIMULATIONS: dict[str, Simulation] = {
    module.SIM.name: module.SIM
    for module in (
        updates_per_epoch,
        batch_size_sweep,
        training_regimes,
        learning_rate_sweep,
        epochs_overfitting,
        online_vs_batch_drift,
        lr_range_test,
        lr_batch_scaling,
        schedules,
        data_order_and_optimizers,
        memory_and_throughput,
        out_of_core,
        data_parallel,
        steps_to_target,
        grad_accumulation,
        batchnorm_batch_size,
        noise_scale,
        large_batch_gap,
        weight_decay,
        adam_batch_scaling,
        data_repetition,
        clipping_spikes,
        double_descent_epochs,
        memory_scaling,
        adam_warmup,
    )
}


def get(name: str) -> Simulation:
    try:
        return SIMULATIONS[name]
    except KeyError:
        known = ", ".join(SIMULATIONS)
        raise SimError(f"unknown simulation {name!r}; known: {known}") from None
