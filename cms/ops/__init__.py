"""Operator tools: backups and restores (docs/operations.md)."""
