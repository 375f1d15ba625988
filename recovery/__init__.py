"""recovery: account security and recovery service.

Kept import-free so that `python3 -m recovery` can bootstrap the environment with the standard library
alone; the application factory lives in `recovery.app`.
"""
