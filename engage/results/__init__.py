"""Survey results: what residents answered, for every staff role (read-only)."""
