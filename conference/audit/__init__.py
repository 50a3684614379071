"""The audit log: who read or changed personal data, and when."""
