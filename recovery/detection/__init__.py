"""Suspicious sign-in detection: signals per attempt, rules and scoring, temporary locks, user notices, containment."""
