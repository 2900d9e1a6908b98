"""16-byte keys of strings, what the manifest and the dedup index look things up by, as numpy
arrays (sorted, searched) and Arrow binary(16) columns (stored)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pyarrow as pa


def keys_of(values: Iterable[str | None]) -> np.ndarray:
    """16 bytes of a hash per value (a missing value: 16 zero bytes), as numpy S16."""
    return np.array([hashlib.blake2b(v.encode(), digest_size=16).digest() if v else bytes(16) for v in values],
                    dtype="S16")


def key_array(keys: np.ndarray) -> pa.Array:
    """S16 keys as an Arrow binary(16) array (through the buffer: numpy drops trailing zero
    bytes of its values)."""
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(keys), [None, pa.py_buffer(keys.tobytes())])


def keys_column(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A binary(16) column as numpy S16."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not len(array):
        return np.empty(0, "S16")
    return np.frombuffer(array.buffers()[1], "S16")[array.offset:array.offset + len(array)].copy()
