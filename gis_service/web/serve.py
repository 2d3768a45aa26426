"""Run the app under waitress, a production WSGI server."""

from __future__ import annotations

import waitress

from . import create_app


def serve(settings, host: str | None = None, port: int | None = None) -> int:
    app = create_app(settings)
    host, port = host or settings.host, port or settings.port
    print(f"Phục vụ tại / Serving on http://{host}:{port}/", flush=True)
    waitress.serve(app, host=host, port=port, threads=8)
    return 0
