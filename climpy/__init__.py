"""climpy: paleoclimate boundary conditions for the IPSL-CM5A2 Earth-system model.

The public API is small on purpose; science functions live in their own modules
(:mod:`climpy.routing`, :mod:`climpy.heatflow`, ...) and take a Dataset and return a Dataset.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

__all__ = ["__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
