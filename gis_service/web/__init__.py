"""The Flask app: thin views over the core. ``create_app`` builds it; nothing happens at import."""

from __future__ import annotations

from flask import Flask

from ..l10n import jinja_filters
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
    app.json.ensure_ascii = False  # JSON answers in UTF-8: "Nghĩa Trung", not "Ngh\u0129a Trung"
    app.jinja_env.filters.update(jinja_filters())  # numbers, dates, statuses: gis_service.l10n

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
    from . import chiase, sharing
    app.register_blueprint(sharing.bp)
    app.register_blueprint(chiase.bp)
    from . import dashboard, display, planner, tracuu
    app.register_blueprint(planner.bp)
    app.register_blueprint(tracuu.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(display.bp)
    from . import uploadpages, versionpages, vi
    vi.register(app)  # Vietnamese numbers, dates and words in templates
    app.register_blueprint(versionpages.bp)
    app.register_blueprint(uploadpages.bp)
    from . import rasters
    app.register_blueprint(rasters.bp)
    from . import tiles
    app.register_blueprint(tiles.bp)
    return app
