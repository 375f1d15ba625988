"""allauth's headless API under /_allauth/ (app and browser clients)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("_allauth/", include("allauth.headless.urls"))]
