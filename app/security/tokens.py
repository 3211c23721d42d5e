"""Answers for bad API tokens: 401 with a Chinese message (flask-jwt-extended says 422)."""
from flask import jsonify


def install_token_handlers(jwt_manager):
    """Register the 401 answers on FAB's JWT manager."""

    def unauthorised(message="登录凭证无效或已过期，请重新登录"):
        return jsonify(message=message), 401

    jwt_manager.invalid_token_loader(lambda reason: unauthorised())
    jwt_manager.unauthorized_loader(lambda reason: unauthorised("请先登录"))
    jwt_manager.expired_token_loader(lambda header, payload: unauthorised("登录已过期，请重新登录"))
    jwt_manager.needs_fresh_token_loader(lambda header, payload: unauthorised("请重新登录"))
