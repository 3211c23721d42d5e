"""Security headers on every response, and the CSP nonce FAB's templates ask for.

Content-Security-Policy, chosen after reading FAB 5.3's templates:

* ``script-src 'self' 'nonce-…'``: every inline ``<script>`` of FAB's templates carries
  ``nonce="{{ baselib.get_nonce() }}"``, which calls ``csp_nonce()`` when the template context
  defines it (the Flask-Talisman convention).  We define it, so no ``'unsafe-inline'`` and no
  ``'unsafe-eval'`` for scripts; our own templates load scripts from ``/static`` only.  An
  inline script without the nonce, an injected ``<script>`` or an ``on…=`` attribute does
  not run.
* ``style-src 'self' 'unsafe-inline'``: FAB's templates (and ours: progress bars) use
  ``style="…"`` attributes, and select2 / bootstrap-datepicker build markup with inline
  styles; a nonce cannot cover style attributes.  Style injection is far less dangerous than
  script injection, so this is the strictest policy that keeps FAB's pages working.
* ``img-src``/``font-src`` allow ``data:`` (Bootstrap, select2 and Font Awesome embed small
  images and fonts); everything else, including fetch/XHR, is same-origin; no plugins,
  ``<base>`` and form targets stay on the site, and no site may frame the portal.
"""
import secrets

from flask import g, request

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def csp_nonce():
    """The nonce of this response (one per request)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce):
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_security_headers(response):
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint and request.endpoint.endswith(".login"):
        # CVE-2024-45314: the login page (and its answers) must never be cached
        response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0"
        response.headers["Pragma"] = "no-cache"
    return response


def init_headers(app):
    app.after_request(add_security_headers)
    # a global, not a context processor: FAB renders its widgets (search, list actions) with
    # ``template.render`` directly, where context processors do not run
    app.jinja_env.globals["csp_nonce"] = csp_nonce
