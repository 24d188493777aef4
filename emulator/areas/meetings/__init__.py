"""Meetings area: meeting series, scheduled occurrences and their exceptions (REFERENCE.md §5)."""
