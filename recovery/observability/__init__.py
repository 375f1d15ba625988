"""Observability: structured logs (logs.py), Prometheus metrics (metrics.py), the worker's heartbeat. Plumbing
below every capability, like recovery/web: capabilities call it, it imports none of them."""
