"""gisdesk: desktop GIS planning tool for Haimen district.

Importing the package is cheap: no Qt, no GDAL. Subpackages are imported where used.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
