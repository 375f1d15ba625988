"""Self-service password reset: an emailed, signed, single-use link that never bypasses a second factor."""
