"""Spaced repetition over a question's two cards (explain, predict) with the `fsrs` package."""
