"""The Flask app: thin views over the core. ``create_app`` builds it; nothing happens at import."""

from __future__ import annotations

from flask import Flask

from ..settings import PROJECT_ROOT, Settings
from ..store import open_store
from . import errors, headers


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "web" / "templates"),
                static_folder=str(PROJECT_ROOT / "web" / "static"))
    app.config["SETTINGS"] = settings
    app.config["STORE"] = open_store(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings.upload_max_bytes
    app.json.ensure_ascii = False  # Vietnamese readable as it is in every JSON answer

    errors.register(app)   # one handler: deep code raises, the status comes from one mapping
    headers.register(app)  # security headers and the time limit on every request

    from . import auth
    auth.init_app(app)  # session cookie, CSRF on every form, planner sign-in
    from . import health
    app.register_blueprint(health.bp)
    from . import ogcapi
    app.register_blueprint(ogcapi.bp)
    from . import downloads
    app.register_blueprint(downloads.bp)
    from . import sharing
    app.register_blueprint(sharing.bp)
    from . import dashboard, display, planner
    app.register_blueprint(planner.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(display.bp)
    from . import uploadpages, versionpages, vi
    vi.register(app)  # Vietnamese numbers, dates and words in templates
    app.register_blueprint(versionpages.bp)
    app.register_blueprint(uploadpages.bp)
    from . import rasters
    app.register_blueprint(rasters.bp)
    return app
