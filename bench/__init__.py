"""Benchmarks of NPS Loop: `make bench` runs `python -m bench.run` (see run.py)."""
