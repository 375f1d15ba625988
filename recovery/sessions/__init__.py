"""Sessions: server-side browser and API sessions, rotation, timeouts, listing and revocation."""
