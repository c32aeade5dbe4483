"""YAML data files (FAQ, intents, synonyms, templates) read with libyaml when it is there."""

from __future__ import annotations

from typing import Any

import yaml

# The C loader parses the FAQ about ten times faster than the pure-Python one: it is most of
# the answer engine's start-up otherwise. Both accept the same YAML and build the same data.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data of a YAML document (safe: plain types only)."""
    return yaml.load(text, Loader=_LOADER)
