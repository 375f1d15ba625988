"""Web plumbing shared by every blueprint: context, errors, CSRF, headers, i18n, auth guards, rate limits."""
