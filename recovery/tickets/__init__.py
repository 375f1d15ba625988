"""Tickets: appeals, account-recovery requests and the support console (queues, SLAs, routing, decisions)."""
