"""Django's argon2 hasher with recovery's parameters (Django's defaults are m=100 MiB, t=2, p=8)."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class BenchArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456
    parallelism = 1
