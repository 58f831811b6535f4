"""The question bank: one TOML file per topic, shipped as package data."""
