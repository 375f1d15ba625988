"""Benchmarks of recovery side by side with its peers: `python -m bench [--postgres] [--quick] [--json PATH]`."""
