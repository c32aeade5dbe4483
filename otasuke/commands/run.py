"""`otasuke run`: start every worker on one asyncio loop."""


def run() -> None:
    """Start the assistant (filled in by the foundation issue)."""
    raise NotImplementedError
