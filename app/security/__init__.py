"""Authentication, roles and data scope."""
