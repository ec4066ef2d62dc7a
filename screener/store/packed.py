"""A payload compressed before it is stored (``Store.put_many`` takes it as it is)."""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Packed:
    """A payload compressed already (``Packed.of``): ``put_many`` stores it as it is. A large
    payload can be compressed as soon as it is read and its original bytes let go."""

    blob: bytes  # zlib
    sha256: str  # of the original bytes

    @classmethod
    def of(cls, payload: bytes, level: int = 6) -> Packed:
        return cls(zlib.compress(payload, level), hashlib.sha256(payload).hexdigest())

    @classmethod
    def stored(cls, payload: bytes) -> Packed:
        """``payload`` as a zlib stream of one stored (uncompressed) block: for many small
        payloads, where deflate gains little and its set-up costs 10-20 us each (any
        ``zlib.decompress`` reads it). Larger than a block holds: ``of(payload, 1)``."""
        n = len(payload)
        if n > 0xFFFF:
            return cls.of(payload, 1)
        return cls(b"\x78\x01\x01" + struct.pack("<HH", n, n ^ 0xFFFF) + payload
                   + struct.pack(">I", zlib.adler32(payload)), hashlib.sha256(payload).hexdigest())
