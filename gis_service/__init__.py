"""Nghĩa Trung commune zoning and planning-area service.

The core (catalog, crs, store, plan, rules, validation, report) never imports Flask;
the web layer lives in ``gis_service.web``.
"""

__version__ = "0.1.0"
