"""What the shipped bank covers: enough questions, every simulation asked about, little arithmetic.

These are promises about this bank's content, not rules for any bank: a learner's own bank
may be small, so `quizapp questions validate` does not enforce them.
"""

from collections import Counter

import pytest

from quizapp.bank import load_bank
from sims.registry import SIMULATIONS

BANK = load_bank()
PER_SIMULATION = Counter(q.simulation.name for q in BANK.questions)

#: Simulations added for the batch-at-scale and optimizer topics: each carries at least three questions.
RECENT = {
    "grad_accumulation",
    "batchnorm_batch_size",
    "data_parallel",
    "noise_scale",
    "large_batch_gap",
    "weight_decay",
    "adam_batch_scaling",
    "data_repetition",
    "clipping_spikes",
    "double_descent_epochs",
    "memory_scaling",
    "adam_warmup",
}
#: Topics an interviewer on training dynamics asks about, each with several questions.
TOPICS_WITH_SEVERAL = {
    "batch-size",
    "gd-regimes",
    "learning-rate",
    "batch-lr-interaction",
    "epochs",
    "schedules",
    "warmup",
    "optimizers",
    "parallelism",
    "normalization",
    "large-batch",
    "stability",
    "hardware",
    "online-drift",
    "out-of-core",
}


def test_the_bank_has_at_least_a_hundred_questions():
    assert len(BANK.questions) >= 100, f"{len(BANK.questions)} questions"


@pytest.mark.parametrize("name", sorted(SIMULATIONS))
def test_every_simulation_is_asked_about(name):
    least = 3 if name in RECENT else 2
    assert PER_SIMULATION[name] >= least, f"{name}: {PER_SIMULATION[name]} questions, at least {least} wanted"


def test_updates_per_epoch_arithmetic_is_at_most_six_questions():
    assert PER_SIMULATION["updates_per_epoch"] <= 6


@pytest.mark.parametrize("topic", sorted(TOPICS_WITH_SEVERAL))
def test_each_interview_topic_has_several_questions(topic):
    assert len(BANK.by_topic().get(topic, [])) >= 3
