"""A real HTTP server for client tests (GDAL's OAPIF driver, browsers): the app under waitress
in a background thread on a free loopback port. Use ``running_server(app)`` from a fixture."""

from __future__ import annotations

import threading
import urllib.request
from contextlib import contextmanager

import waitress


@contextmanager
def running_server(app, threads: int = 4):
    """Yield the base URL (http://127.0.0.1:PORT) while the app is served; stop it afterwards."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    try:
        urllib.request.urlopen(base + "/healthz", timeout=10).read()  # up and answering
        yield base
    finally:
        server.close()
        thread.join(timeout=5)
