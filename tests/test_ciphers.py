"""caselog's per-client cipher writes and reads exactly eventsourcing's AES-GCM layout."""

from __future__ import annotations

import os

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment
from hypothesis import given
from hypothesis import strategies as st

from caselog.adapters.crypto import DataKeyCipher, encode_key

KEY = os.urandom(32)
LIBRARY = AESCipher(Environment(env={"CIPHER_KEY": encode_key(KEY)}))
OURS = DataKeyCipher(KEY)


@given(st.binary(max_size=2000))
def test_each_cipher_reads_what_the_other_wrote(plaintext):
    assert LIBRARY.decrypt(OURS.encrypt(plaintext)) == plaintext
    assert OURS.decrypt(LIBRARY.encrypt(plaintext)) == plaintext


def test_every_encryption_takes_a_fresh_nonce():
    assert OURS.encrypt(b"same words") != OURS.encrypt(b"same words")


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c[:20],  # shorter than nonce and tag
        lambda c: c[:-1] + bytes([c[-1] ^ 1]),  # a flipped byte of the text
        lambda c: c[:12] + bytes([c[12] ^ 1]) + c[13:],  # a flipped byte of the tag
    ],
)
def test_damaged_ciphertext_is_a_value_error_as_the_library_raises(damage):
    damaged = damage(OURS.encrypt(b"what the client said"))
    with pytest.raises(ValueError):
        LIBRARY.decrypt(damaged)
    with pytest.raises(ValueError):
        OURS.decrypt(damaged)


def test_a_key_of_the_wrong_size_is_refused():
    with pytest.raises(ValueError):
        DataKeyCipher(os.urandom(20))
