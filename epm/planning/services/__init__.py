"""Every state-changing operation on a project's plans, one module per material."""
