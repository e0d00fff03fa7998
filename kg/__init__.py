"""medimg-kg: a knowledge-graph builder for the medical-imaging AI literature."""

__version__ = "0.1.0"

DEFAULT_BASE = "https://w3id.org/medimg-kg/"
