"""The Telegram bot for customers and staff (its own issue)."""
