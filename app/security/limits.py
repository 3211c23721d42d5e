"""Request size limit (``MAX_CONTENT_LENGTH``, from ``MAX_UPLOAD_MB``) answered in Chinese.

Werkzeug refuses a body above the limit with an English 413 page as soon as anything reads
the form or files (the CSRF check, a view, an API).  One handler answers every upload path
instead: JSON ``{"message"}`` for the API and the pages' upload requests made by scripts
(imports), a short page otherwise; always status 413, nothing stored.
"""
from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge


def upload_limit_message():
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    size = f"{limit / (1024 * 1024):g}MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)}KB"
    return f"上传的文件过大，不能超过{size}"


def _wants_json():
    if request.path.startswith("/api/") or request.is_json:
        return True
    if (request.endpoint or "").endswith(".import_file"):     # the registry pages' import answers JSON
        return True
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def too_large_error(message):
    """A 413 carrying a more precise Chinese message (e.g. the attachment limit)."""
    error = RequestEntityTooLarge()
    error.portal_message = message
    return error


def too_large(error):
    message = getattr(error, "portal_message", None) or upload_limit_message()
    if _wants_json():
        return jsonify(message=message), 413
    from app.extensions import appbuilder

    return render_template("security/too_large.html", message=message, appbuilder=appbuilder,
                           base_template=appbuilder.base_template), 413


def init_limits(app):
    app.register_error_handler(RequestEntityTooLarge, too_large)
