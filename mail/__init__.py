"""The mail worker: reads and acknowledges requests (its own issue)."""
