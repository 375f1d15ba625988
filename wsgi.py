"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi recovery ...`."""

from recovery.app import create_app

app = create_app()
