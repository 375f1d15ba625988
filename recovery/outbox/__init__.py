"""Outbox: emails and webhooks written in the caller's transaction and delivered later by workers."""
