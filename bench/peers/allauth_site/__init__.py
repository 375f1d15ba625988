"""The django-allauth peer: a minimal headless Django site (settings, urls, wsgi, seed)."""
