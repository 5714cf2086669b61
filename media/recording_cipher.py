"""Recordings at rest: each file sealed with its own key, streamed in authenticated chunks.

Envelope encryption: every track file gets a fresh 256-bit data key; the file is written as a sequence of
AES-256-GCM chunks under that key, and only the data key *wrapped* by the service's master key
(``RRIS_RECORDING_KEY``) is kept, in the database. The plain audio never touches the disk, a copied file
is noise without the database row and the master key, and rotating the master key means re-wrapping 60
bytes per track, not re-encrypting audio.

File layout (a streaming AEAD in the manner of Tink's AES-GCM-HKDF streaming and age's STREAM)::

    header   = b"RRISREC1" || nonce_prefix (7 random bytes)
    chunk_i  = length (4 bytes, big-endian) || AES-GCM(data_key, nonce_i, plain_i, aad=header)
    nonce_i  = nonce_prefix || i (4 bytes, big-endian) || last (1 byte: 1 on the final chunk, else 0)

Each chunk carries up to 64 KiB of plain data. The counter stops chunks being reordered or dropped,
the last flag stops the file being truncated at a chunk boundary: :func:`open_sealed` refuses both.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"RRISREC1"
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + PREFIX_BYTES
CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
KEY_BYTES = 32
WRAP_NONCE_BYTES = 12


class SealedFileError(Exception):
    """The file is not an intact recording sealed under this key (tampered, truncated or another key)."""


class UnknownKey(Exception):
    """The master key a track was wrapped with is not configured any more."""


def key_id(master_key: bytes) -> str:
    """A short public name for a master key, stored beside each wrapped data key."""
    return hashlib.sha256(b"rris-recording-key:" + master_key).hexdigest()[:16]


@dataclass(frozen=True)
class MasterKeys:
    """The current master key, which wraps new data keys, and older ones that still unwrap."""

    current: bytes
    older: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        for key in (self.current, *self.older):
            if len(key) != KEY_BYTES:
                raise ValueError("a recording master key is 32 bytes (base64 in RRIS_RECORDING_KEY)")

    @classmethod
    def from_base64(cls, current: str, older: Iterable[str] = ()) -> MasterKeys:
        def decode(text: str) -> bytes:
            try:
                return base64.b64decode(text, validate=True)
            except ValueError as exc:
                raise ValueError("a recording master key must be base64") from exc

        return cls(decode(current), tuple(decode(key) for key in older))

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def _by_id(self) -> Mapping[str, bytes]:
        return {key_id(key): key for key in (self.current, *self.older)}

    def new_data_key(self) -> tuple[bytes, str, bytes]:
        """A fresh data key, the id of the key that wraps it, and the wrapped form to store."""
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(WRAP_NONCE_BYTES)
        wrapped = nonce + AESGCM(self.current).encrypt(nonce, data_key, b"rris-data-key")
        return data_key, self.current_id, wrapped

    def unwrap(self, wrapped_by: str, wrapped: bytes) -> bytes:
        master = self._by_id().get(wrapped_by)
        if master is None:
            raise UnknownKey(f"recording key {wrapped_by} is not configured")
        nonce, sealed = wrapped[:WRAP_NONCE_BYTES], wrapped[WRAP_NONCE_BYTES:]
        try:
            return AESGCM(master).decrypt(nonce, sealed, b"rris-data-key")
        except InvalidTag as exc:
            raise SealedFileError("the wrapped data key does not open under its master key") from exc


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if last else 0)


class SealedWriter:
    """A write-only, non-seekable file object that seals what is written to ``sink`` chunk by chunk.

    PyAV's muxers write through it (Ogg needs no seeking); :meth:`close` seals the final chunk.
    """

    def __init__(self, sink: BinaryIO, data_key: bytes) -> None:
        self._sink = sink
        self._aead = AESGCM(data_key)
        self._prefix = os.urandom(PREFIX_BYTES)
        self._header = MAGIC + self._prefix
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self.written = 0  # plain bytes accepted so far
        sink.write(self._header)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed recording")
        self._buffer += data
        self.written += len(data)
        while len(self._buffer) > CHUNK_BYTES:  # keep at least one byte back for the final chunk
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        self._sink.flush()

    def _seal(self, plain: bytes, last: bool) -> None:
        if self._index >= 2**32 - 1:
            raise ValueError("recording too long for one sealed file")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._header)
        self._sink.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._sink.flush()
        self._sink.close()

    @property
    def closed(self) -> bool:
        return self._closed


def open_sealed(source: BinaryIO, data_key: bytes) -> Iterator[bytes]:
    """The plain chunks of a sealed file, each checked; raises :class:`SealedFileError` on any damage."""
    header = source.read(HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise SealedFileError("not a sealed RRIS recording")
    prefix = header[len(MAGIC) :]
    aead = AESGCM(data_key)
    index = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise SealedFileError("the recording is truncated")
        (size,) = struct.unpack(">I", size_bytes)
        if not TAG_BYTES <= size <= CHUNK_BYTES + TAG_BYTES:
            raise SealedFileError("the recording is damaged")
        sealed = source.read(size)
        if len(sealed) != size:
            raise SealedFileError("the recording is truncated")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, index, last), sealed, header)
            except InvalidTag:
                continue
            break
        else:
            raise SealedFileError("the recording does not open under this key, or was altered")
        yield plain
        index += 1
        if last:
            if source.read(1):
                raise SealedFileError("data follows the end of the recording")
            return
