"""Benchmarks: seeders and workloads (``python -m bench …``); never run by the test suite."""
