"""Helpers the tests share (conventions: one helpers package; a test never imports another test module)."""
