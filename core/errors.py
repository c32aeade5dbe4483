"""Errors a person can act on: the CLI prints their message as one line, never a traceback."""


class UserError(Exception):
    """Bad input or a missing precondition (a setting, a migration); the message says what to do."""
