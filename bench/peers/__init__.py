"""Minimal apps of the peers recovery is compared with: Flask-Security-Too and django-allauth (headless)."""
