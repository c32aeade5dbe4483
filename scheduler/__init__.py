"""Renewal notices, payment reminders and alert mail, sent on time and once (its own issue)."""
