"""Approval chains and running approvals (issue 3). So far: the condition language."""
