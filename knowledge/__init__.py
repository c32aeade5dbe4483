"""The terms of use as text (clauses, FAQ retrieval) and as rules (pure functions, no I/O)."""
