"""crowdaudit: audit the people behind your labels."""

from crowdaudit._version import __version__

__all__ = ["__version__"]
