"""Every page builds its forms from the one kit, templates/_forms.html (and recovery/web/form_kit.py behind it): no
page writes an input, a button or a CSRF field by hand, and no other macro library defines form pieces."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
KIT = TEMPLATES / "_forms.html"
BY_HAND = re.compile(r"<(input|select|textarea|button)\b|csrf_token\(\)")


def test_no_page_writes_a_form_control_by_hand():
    by_hand = {str(path.relative_to(TEMPLATES)): match.group(0) for path in TEMPLATES.rglob("*.html")
               if path != KIT and not path.is_relative_to(TEMPLATES / "email")
               for match in [BY_HAND.search(path.read_text(encoding="utf-8"))] if match}
    assert by_hand == {}, f"use templates/_forms.html in: {by_hand}"


def test_form_macros_are_defined_once():
    text = KIT.read_text(encoding="utf-8")
    # its macros, and the pieces it takes from recovery/web/form_kit.py ({% set field = form_kit.field %})
    kit = set(re.findall(r"\{% macro (\w+)\(", text)) | set(re.findall(r"\{% set (\w+) = form_kit\.", text))
    assert {"field", "csrf", "submit", "select", "code_field"} <= kit
    elsewhere = {str(path.relative_to(TEMPLATES)): name for path in TEMPLATES.rglob("*.html") if path != KIT
                 for name in re.findall(r"\{% macro (\w+)\(", path.read_text(encoding="utf-8")) if name in kit}
    assert elsewhere == {}
