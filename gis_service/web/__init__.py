"""The Flask app: thin views over the core. ``create_app`` builds it; nothing happens at import."""

from __future__ import annotations

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import InputError, NotFound, Unauthorized
from ..l10n import jinja_filters
from ..settings import PROJECT_ROOT, Settings
from ..store import open_store

#: one mapping from exception type to HTTP status: deep code raises, one handler answers
HTTP_STATUS = {InputError: 400, Unauthorized: 401, NotFound: 404, RequestEntityTooLarge: 413}


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "web" / "templates"),
                static_folder=str(PROJECT_ROOT / "web" / "static"))
    app.config["SETTINGS"] = settings
    app.config["STORE"] = open_store(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings.upload_max_bytes
    app.json.ensure_ascii = False  # JSON answers in UTF-8: "Nghĩa Trung", not "Ngh\u0129a Trung"
    app.jinja_env.filters.update(jinja_filters())  # numbers, dates, statuses: gis_service.l10n

    for exc_type, status in HTTP_STATUS.items():
        app.register_error_handler(exc_type, _json_error(status))

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
    return app


def _json_error(status: int):
    def handler(err):
        message = str(err)
        if isinstance(err, RequestEntityTooLarge):
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            message = (f"Tệp tải lên vượt giới hạn {limit:,} byte / "
                       f"the upload is larger than the limit of {limit:,} bytes")
        return jsonify({"error": message, "status": status}), status
    return handler
