"""Run the app under waitress, a production WSGI server; or in a background thread on a free
loopback port (real-browser tests, page benchmarks)."""

from __future__ import annotations

import threading
import time
import urllib.request

import waitress

from . import create_app


def serve(settings, host: str | None = None, port: int | None = None) -> int:
    app = create_app(settings)
    host, port = host or settings.host, port or settings.port
    print(f"Phục vụ tại / Serving on http://{host}:{port}/", flush=True)
    waitress.serve(app, host=host, port=port, threads=8)
    return 0


class BackgroundServer:
    """The app under waitress in a daemon thread on 127.0.0.1, on ``port`` or a free one."""

    def __init__(self, settings, port: int = 0) -> None:
        self.app = create_app(settings)
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=port, threads=8)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout_s: float = 10) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the server did not answer /healthz within {timeout_s} s")

    def stop(self) -> None:
        self.server.close()
        self.thread.join(timeout=5)
