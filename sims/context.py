"""What an experiment gets to work with: the device, the seeds, progress, and `train`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sims import engine
from sims.jobs import Job, Outcome
from sims.tracker import Tracker


@dataclass
class Context:
    sim: str
    device: torch.device
    seeds: list[int]
    tracker: Tracker

    def plan(self, **stages: float) -> None:
        """Declare the stages of this run (named as the jobs' `stage`) and their share of the time."""
        self.tracker.plan(stages)

    def train(self, job: Job) -> Outcome:
        self.tracker.enter(job.stage)
        return engine.train(job, self.device, self.tracker)
