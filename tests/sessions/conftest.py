from accounts.conftest import accounts_people  # noqa: F401  (users made through the accounts service)
