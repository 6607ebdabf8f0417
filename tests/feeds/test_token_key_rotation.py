"""Rotating SECRET_KEY (old key in SECRET_KEY_FALLBACKS) or FACEBOOK_TOKEN_KEY keeps the
stored Facebook Page token readable (docs/operations.md, "Rotation")."""

import pytest
from django.test import override_settings

from feeds.syndication import crypto


@override_settings(SECRET_KEY="old-secret-key-0123456789", FACEBOOK_TOKEN_KEY="")
def test_a_token_encrypted_with_the_old_secret_key_opens_after_rotation():
    stored = crypto.encrypt("EAAB-page-token-1234")
    with override_settings(
        SECRET_KEY="new-secret-key-9876543210", SECRET_KEY_FALLBACKS=["old-secret-key-0123456789"]
    ):
        assert crypto.decrypt(stored) == "EAAB-page-token-1234"
        # the new key encrypts: dropping the fallback later keeps a re-encrypted token readable
        again = crypto.encrypt("EAAB-page-token-1234")
    with override_settings(SECRET_KEY="new-secret-key-9876543210", SECRET_KEY_FALLBACKS=[]):
        assert crypto.decrypt(again) == "EAAB-page-token-1234"
        with pytest.raises(crypto.InvalidToken):
            crypto.decrypt(stored)


def test_a_token_key_rotation_keeps_the_old_key_for_decrypting():
    with override_settings(FACEBOOK_TOKEN_KEY="first passphrase"):
        stored = crypto.encrypt("EAAB-page-token-5678")
    with override_settings(FACEBOOK_TOKEN_KEY="second passphrase,first passphrase"):
        assert crypto.decrypt(stored) == "EAAB-page-token-5678"
    with (
        override_settings(FACEBOOK_TOKEN_KEY="second passphrase"),
        pytest.raises(crypto.InvalidToken),
    ):
        crypto.decrypt(stored)
