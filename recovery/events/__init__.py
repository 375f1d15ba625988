"""Events: the append-only security event log every capability writes to."""
