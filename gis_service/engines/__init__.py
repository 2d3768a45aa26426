"""Engines that run the plan's rules beside the one in this process (gis_service.validate)."""
