"""The assistant and the guided "what's wrong?" flow: a flow above help and tickets (docs/help.md)."""
