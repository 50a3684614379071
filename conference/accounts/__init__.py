"""Staff accounts: login, roles, password reset, invitations."""
