"""Sensitive fields: encryption at rest, a keyed hash for exact-match search, masking.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under a key derived from
``FIELD_ENCRYPTION_KEY`` (``SECRET_KEY`` in development); equality search uses an
HMAC-SHA256 "blind index" column so the clear value is never stored or compared.
"""
import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=4)
def _keys(secret: str):
    material = hashlib.sha256(("field-encryption:" + secret).encode()).digest()
    index_key = hashlib.sha256(("blind-index:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(material)), index_key


def _secret():
    config = current_app.config
    return config.get("FIELD_ENCRYPTION_KEY") or config["SECRET_KEY"]


def encrypt(value):
    if value is None or value == "":
        return value
    fernet, _ = _keys(_secret())
    return fernet.encrypt(str(value).encode()).decode()


def decrypt(token):
    if token is None or token == "":
        return token
    fernet, _ = _keys(_secret())
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        return None   # never show ciphertext to users


def blind_index(value):
    """Keyed hash of a normalised value, for exact-match search on an encrypted field."""
    if value is None or value == "":
        return None
    _, key = _keys(_secret())
    return hmac.new(key, str(value).strip().upper().encode(), hashlib.sha256).hexdigest()


class EncryptedString(TypeDecorator):
    """A text column stored encrypted; Python sees the clear value."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return encrypt(value)

    def process_result_value(self, value, dialect):
        return decrypt(value)


HASH_TYPE = String(64)


def mask(value, kind="phone"):
    """139****3068 for phones, 4130**********4727 for ID numbers, 许昌市魏都区*** for addresses."""
    if value is None or value == "":
        return value
    text = str(value)
    if kind == "idcard":
        return text[:4] + "*" * max(len(text) - 8, 2) + text[-4:] if len(text) > 8 else "*" * len(text)
    if kind == "address":
        return text[:6] + "***" if len(text) > 6 else text[:1] + "***"
    if kind == "name":
        return text[:1] + "*" * max(len(text) - 1, 1)
    return text[:3] + "****" + text[-4:] if len(text) >= 8 else text[:1] + "****"
