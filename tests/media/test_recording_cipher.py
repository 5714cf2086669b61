"""Recordings at rest: sealed chunk by chunk under a per-file key that only the master key unwraps.

A sealed file says nothing of its content, opens only with its own key, and refuses every alteration:
a changed byte, a dropped, repeated or reordered chunk, a cut-off end, anything appended.
"""

from __future__ import annotations

import base64
import io
import os
import struct

import pytest

from media.recording_cipher import (
    CHUNK_BYTES,
    HEADER_BYTES,
    MasterKeys,
    SealedFileError,
    SealedWriter,
    UnknownKey,
    key_id,
    open_sealed,
)

MASTER = MasterKeys(bytes(range(32)))
PLAIN = b"OggS" + os.urandom(3 * CHUNK_BYTES + 123)  # four chunks, the last one short


def seal(plain: bytes, data_key: bytes, pieces: int = 7) -> bytes:
    sink = io.BytesIO()
    sink.close = lambda: None  # type: ignore[method-assign]  # keep the bytes readable after close()
    writer = SealedWriter(sink, data_key)
    step = max(1, len(plain) // pieces)
    for start in range(0, len(plain), step):
        writer.write(plain[start : start + step])
    writer.close()
    return sink.getvalue()


def unseal(sealed: bytes, data_key: bytes) -> bytes:
    return b"".join(open_sealed(io.BytesIO(sealed), data_key))


def chunks(sealed: bytes) -> list[bytes]:
    """The length-prefixed chunks after the header, each with its prefix."""
    out, at = [], HEADER_BYTES
    while at < len(sealed):
        (size,) = struct.unpack(">I", sealed[at : at + 4])
        out.append(sealed[at : at + 4 + size])
        at += 4 + size
    return out


def test_a_sealed_file_opens_with_its_key_to_exactly_what_was_written() -> None:
    data_key, _, _ = MASTER.new_data_key()
    sealed = seal(PLAIN, data_key)
    assert unseal(sealed, data_key) == PLAIN
    assert len(chunks(sealed)) == 4


def test_the_sealed_bytes_show_nothing_of_the_plain_media() -> None:
    data_key, _, _ = MASTER.new_data_key()
    sealed = seal(PLAIN, data_key)
    assert b"OggS" not in sealed
    assert PLAIN[100:132] not in sealed


def test_an_empty_recording_still_seals_and_opens() -> None:
    data_key, _, _ = MASTER.new_data_key()
    assert unseal(seal(b"", data_key), data_key) == b""


def test_another_key_does_not_open_it() -> None:
    data_key, _, _ = MASTER.new_data_key()
    other, _, _ = MASTER.new_data_key()
    with pytest.raises(SealedFileError):
        unseal(seal(PLAIN, data_key), other)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda s: s[:-1], id="last byte cut"),
        pytest.param(lambda s: s[: HEADER_BYTES + sum(len(c) for c in chunks(s)[:2])], id="cut at a chunk"),
        pytest.param(lambda s: s + b"\x00", id="byte appended"),
        pytest.param(lambda s: s[:HEADER_BYTES] + b"".join(chunks(s)[1:]), id="first chunk dropped"),
        pytest.param(
            lambda s: s[:HEADER_BYTES] + chunks(s)[1] + chunks(s)[0] + b"".join(chunks(s)[2:]),
            id="chunks swapped",
        ),
        pytest.param(lambda s: s[:HEADER_BYTES] + chunks(s)[0] + s[HEADER_BYTES:], id="chunk repeated"),
        pytest.param(lambda s: s[:200] + bytes([s[200] ^ 1]) + s[201:], id="one bit flipped"),
        pytest.param(lambda s: b"RRISREC2" + s[8:], id="wrong magic"),
    ],
)
def test_any_alteration_is_refused(damage: object) -> None:
    data_key, _, _ = MASTER.new_data_key()
    sealed = seal(PLAIN, data_key)
    with pytest.raises(SealedFileError):
        unseal(damage(sealed), data_key)  # type: ignore[operator]


def test_the_data_key_is_stored_wrapped_and_unwraps_after_the_master_key_is_rotated() -> None:
    data_key, wrapped_by, wrapped = MASTER.new_data_key()
    assert data_key not in wrapped
    assert wrapped_by == key_id(MASTER.current)
    rotated = MasterKeys(os.urandom(32), older=(MASTER.current,))
    assert rotated.unwrap(wrapped_by, wrapped) == data_key
    assert rotated.current_id != wrapped_by


def test_a_forgotten_master_key_is_named_not_guessed() -> None:
    _, wrapped_by, wrapped = MASTER.new_data_key()
    with pytest.raises(UnknownKey):
        MasterKeys(os.urandom(32)).unwrap(wrapped_by, wrapped)


def test_master_keys_come_from_base64_of_exactly_32_bytes() -> None:
    key = os.urandom(32)
    assert MasterKeys.from_base64(base64.b64encode(key).decode()).current == key
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKeys.from_base64(base64.b64encode(b"short").decode())
    with pytest.raises(ValueError, match="base64"):
        MasterKeys.from_base64("not base64 at all!")
