"""Security alerts: deduplicated per rule, account and source; the security team's console, API and webhooks."""
