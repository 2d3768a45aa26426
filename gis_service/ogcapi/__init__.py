"""OGC API – Features (Part 1 core, GeoJSON, HTML, OpenAPI 3.0; Part 2 coordinate systems) over
the store. This package is the framework-free core: collections and their metadata, the item
query (bbox, bbox-crs, crs, limit, offset), the documents; ``gis_service.web.ogcapi`` is the thin
Flask layer. Written here rather than mounting pygeoapi, whose Flask app reads its configuration
and builds its API object at import time and whose HTML pages load scripts from CDNs."""
