"""Settings, database, customers and contracts, the approval queue, the outbox and the audit log."""
