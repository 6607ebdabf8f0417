"""Encryption at rest of the Facebook tokens (Fernet, keys from settings).

``settings.FACEBOOK_TOKEN_KEY`` holds one key, or several separated by commas for a
rotation: the first one encrypts, all of them decrypt. A key is either a Fernet key
(32 url-safe base64-encoded bytes) or any passphrase, which is hashed with SHA-256.
Empty, the key is derived from ``SECRET_KEY``, and the keys derived from
``SECRET_KEY_FALLBACKS`` still decrypt: rotating ``SECRET_KEY`` the Django way (old key in
the fallbacks) keeps the stored token readable.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "last4"]


def _fernet_key(material: str) -> bytes:
    material = material.strip()
    try:
        if len(base64.urlsafe_b64decode(material.encode())) == 32 and len(material) == 44:
            return material.encode()
    except (ValueError, TypeError):
        pass
    digest = hashlib.sha256(b"affinites.facebook-token\0" + material.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    keys = [k for k in str(settings.FACEBOOK_TOKEN_KEY or "").split(",") if k.strip()]
    if not keys:
        # Read at run time, so that production's SECRET_KEY (not base.py's) is used.
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        keys = ["derived-from-secret-key:" + secret for secret in secrets]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """The clear token. Raises ``InvalidToken`` when no configured key opens it."""
    return _fernet().decrypt(ciphertext.encode()).decode()


def last4(secret: str) -> str:
    return secret[-4:] if len(secret) >= 8 else ""
