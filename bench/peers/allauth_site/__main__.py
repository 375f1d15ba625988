"""`python -m bench.peers.allauth_site seed EMAIL PASSWORD`: migrate, then one user with a verified address."""

from __future__ import annotations

import os
import sys


def seed(email: str, password: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peers.allauth_site.settings")
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    user = get_user_model().objects.create_user(username=email.split("@")[0], email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "seed":
        sys.exit(__doc__)
    seed(sys.argv[2], sys.argv[3])
