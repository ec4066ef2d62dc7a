"""Does a ``-wal`` file beside a store belong to it? (``store info`` must not replay a foreign
one: SQLite applies any valid write-ahead log it finds beside a database file.)"""

from __future__ import annotations

import struct
from pathlib import Path

WAL_MAGIC = (0x377F0682, 0x377F0683)


def wal_belongs(wal: Path, db_header: bytes, application_id: int) -> bool:
    """Whether ``wal`` can be this database's write-ahead log: a WAL header, the database's
    page size, and, where the log holds page 1, our application id in it. SQLite itself would
    replay any valid WAL it finds beside the file, whatever database wrote it."""
    try:
        with open(wal, "rb") as fh:
            header = fh.read(32)
            if len(header) < 32:
                return False
            magic, _version, page_size = struct.unpack(">III", header[:12])
            if magic not in WAL_MAGIC:
                return False
            db_page = struct.unpack(">H", db_header[16:18])[0]
            db_page = 65536 if db_page == 1 else db_page
            if page_size != db_page:
                return False
            frames = 0
            while frames < 100_000:
                frame = fh.read(24)
                if len(frame) < 24:
                    break
                page_no = struct.unpack(">I", frame[:4])[0]
                page = fh.read(page_size)
                if len(page) < page_size:
                    break
                if page_no == 1 and struct.unpack(">I", page[68:72])[0] != application_id:
                    return False
                frames += 1
    except OSError:
        return False
    return True
