"""Read TensorFlow v2 checkpoints ("tensor bundles") with numpy alone: no TensorFlow, no protobuf.

A checkpoint saved as ``model.ckpt`` is a set of files sharing that prefix:

``model.ckpt.index``
    An immutable sorted table in the LevelDB "table" layout. Its last 48 bytes are the
    *footer*: two block handles (metaindex, then index), each a pair of varints
    ``(offset, size)``, zero-padded to 40 bytes, then the magic number ``0xdb4775248b80fb57``
    as 8 little-endian bytes. The *index block* maps keys to the block handles of the *data
    blocks*, which hold the table's entries. Every block is a run of entries
    ``varint shared, varint non_shared, varint value_length, key[shared:], value`` (each key
    keeps the first ``shared`` bytes of the previous one), then an array of uint32 *restart*
    offsets (where a key is stored whole) and the uint32 count of restarts. A block on disk is
    followed by a 5-byte trailer: its compression type (0, none, is the only one bundles use)
    and a masked CRC-32C of the block and the type byte.

``model.ckpt.data-00000-of-00001`` (and further shards)
    The tensors' bytes, little-endian in C order, one after another.

The table's values are serialized protocol buffers. The entry under the empty key is a
``BundleHeaderProto`` (``num_shards`` = 1, ``endianness`` = 2, ``version`` = 3); every other
key is a tensor's name and its value a ``BundleEntryProto`` (``dtype`` = 1, ``shape`` = 2, a
``TensorShapeProto`` of ``dim`` = 2 messages with ``size`` = 1; ``shard_id`` = 3,
``offset`` = 4, ``size`` = 5, ``crc32c`` = 6, a masked CRC-32C of the bytes; ``slices`` = 7,
set only for partitioned variables, which this reader refuses). A small decoder of the
protobuf wire format below reads them and skips fields it does not know.

Anything wrong with the files raises :class:`~aadbench.errors.WeightsUnavailableError`
naming the file and the problem.
"""
from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import WeightsUnavailableError, article, plural

__all__ = ["crc32c", "mask_crc", "read_checkpoint"]

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
TRAILER_SIZE = 5

#: TensorFlow ``DataType`` enum values -> numpy dtype (little-endian byte order)
DTYPES: dict[int, np.dtype] = {
    1: np.dtype("<f4"),    # DT_FLOAT
    2: np.dtype("<f8"),    # DT_DOUBLE
    3: np.dtype("<i4"),    # DT_INT32
    4: np.dtype("u1"),     # DT_UINT8
    5: np.dtype("<i2"),    # DT_INT16
    6: np.dtype("i1"),     # DT_INT8
    8: np.dtype("<c8"),    # DT_COMPLEX64
    9: np.dtype("<i8"),    # DT_INT64
    10: np.dtype("?"),     # DT_BOOL
    14: np.dtype("<u2"),   # DT_BFLOAT16: read as uint16, returned as float32 (exact)
    17: np.dtype("<u2"),   # DT_UINT16
    18: np.dtype("<c16"),  # DT_COMPLEX128
    19: np.dtype("<f2"),   # DT_HALF
    22: np.dtype("<u4"),   # DT_UINT32
    23: np.dtype("<u8"),   # DT_UINT64
}
DT_BFLOAT16 = 14
#: names of some types refused, for the error message
DTYPE_NAMES = {7: "DT_STRING", 20: "DT_RESOURCE", 21: "DT_VARIANT"}


class _Corrupt(Exception):
    """A format problem; :func:`read_checkpoint` adds the file name and re-raises it as WeightsUnavailableError."""


# --------------------------------------------------------------------------- CRC-32C (Castagnoli)

def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """The CRC-32C of ``data``, continuing from ``crc`` (pure Python: fine for KBs, slow for large tensors)."""
    table = _CRC_TABLE
    c = crc ^ 0xFFFFFFFF
    for byte in bytes(data):
        c = table[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask_crc(crc: int) -> int:
    """The masked form of a CRC that LevelDB tables and tensor bundles store."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


# --------------------------------------------------------------------------- protobuf wire format

def _varint(buf: bytes, pos: int, end: int | None = None) -> tuple[int, int]:
    """Decode the varint at ``buf[pos]``; returns (value, position after it)."""
    stop = len(buf) if end is None else end
    value = shift = 0
    while True:
        if pos >= stop:
            raise _Corrupt("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift >= 70:
            raise _Corrupt("varint longer than 10 bytes")


def _signed64(value: int) -> int:
    """An int32/int64 field's value (negative numbers are 10-byte two's-complement varints)."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field number, wire type, value)`` of a serialized message: ints, or bytes for wire type 2."""
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise _Corrupt("protobuf field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == 1:
            if pos + 8 > end:
                raise _Corrupt("truncated 64-bit protobuf field")
            yield number, wire, int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise _Corrupt("truncated length-delimited protobuf field")
            yield number, wire, bytes(buf[pos:pos + length])
            pos += length
        elif wire == 5:
            if pos + 4 > end:
                raise _Corrupt("truncated 32-bit protobuf field")
            yield number, wire, int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise _Corrupt(f"unsupported protobuf wire type {wire} (field {number})")


def _int(number: int, wire: int, value: int | bytes, what: str) -> int:
    if not isinstance(value, int) or wire != 0:
        raise _Corrupt(f"{what} (field {number}) is not a varint")
    return value


def _message(number: int, wire: int, value: int | bytes, what: str) -> bytes:
    if not isinstance(value, bytes) or wire != 2:
        raise _Corrupt(f"{what} (field {number}) is not a message")
    return value


@dataclass(frozen=True)
class _Header:
    num_shards: int
    big_endian: bool


@dataclass(frozen=True)
class _Entry:
    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int | None


def _parse_header(buf: bytes) -> _Header:
    num_shards, endianness = 0, 0
    for number, wire, value in _fields(buf):
        if number == 1:
            num_shards = _signed64(_int(number, wire, value, "num_shards"))
        elif number == 2:
            endianness = _int(number, wire, value, "endianness")
    if endianness not in (0, 1):
        raise _Corrupt(f"unknown endianness {endianness} in the bundle header")
    if num_shards < 1:
        raise _Corrupt(f"bundle header gives {num_shards} data shards")
    return _Header(num_shards, endianness == 1)


def _parse_shape(buf: bytes) -> tuple[int, ...]:
    dims: list[int] = []
    for number, wire, value in _fields(buf):
        if number == 2:
            size = 0
            for dnum, dwire, dvalue in _fields(_message(number, wire, value, "shape dim")):
                if dnum == 1:
                    size = _signed64(_int(dnum, dwire, dvalue, "dim size"))
            if size < 0:
                raise _Corrupt(f"shape has an unknown dimension ({size})")
            dims.append(size)
        elif number == 3 and _int(number, wire, value, "unknown_rank"):
            raise _Corrupt("shape has an unknown rank")
    return tuple(dims)


def _parse_entry(buf: bytes) -> _Entry:
    dtype, shard_id, offset, size = 0, 0, 0, 0
    shape: tuple[int, ...] = ()
    crc: int | None = None
    for number, wire, value in _fields(buf):
        if number == 1:
            dtype = _int(number, wire, value, "dtype")
        elif number == 2:
            shape = _parse_shape(_message(number, wire, value, "shape"))
        elif number == 3:
            shard_id = _signed64(_int(number, wire, value, "shard_id"))
        elif number == 4:
            offset = _signed64(_int(number, wire, value, "offset"))
        elif number == 5:
            size = _signed64(_int(number, wire, value, "size"))
        elif number == 6:
            if wire != 5 or not isinstance(value, int):
                raise _Corrupt(f"crc32c (field {number}) is not a fixed32")
            crc = value
        elif number == 7:
            raise _Corrupt("the tensor is stored in slices (a partitioned variable), which this reader does not read")
    if offset < 0 or size < 0:
        raise _Corrupt(f"negative offset {offset} or size {size}")
    return _Entry(dtype, shape, shard_id, offset, size, crc)


# --------------------------------------------------------------------------- the sorted table

def _handle(buf: bytes, pos: int, end: int | None = None) -> tuple[int, int, int]:
    """Decode a BlockHandle at ``buf[pos]``: (offset, size, position after it)."""
    offset, pos = _varint(buf, pos, end)
    size, pos = _varint(buf, pos, end)
    return offset, size, pos


def _read_block(table: bytes, offset: int, size: int, what: str) -> bytes:
    """The contents of the block at ``offset``, its trailer checked."""
    end = offset + size
    if end + TRAILER_SIZE > len(table) - FOOTER_SIZE:
        raise _Corrupt(f"the {what} (bytes {offset}..{end}) runs past the end of the file: truncated?")
    contents = table[offset:end]
    kind = table[end]
    if kind != 0:
        name = {1: "snappy", 2: "zstd"}.get(kind, "unknown")
        raise _Corrupt(f"the {what} is compressed (type {kind}, {name}); only uncompressed tables are read")
    stored = int.from_bytes(table[end + 1:end + TRAILER_SIZE], "little")
    actual = mask_crc(crc32c(table[offset:end + 1]))
    if stored != actual:
        raise _Corrupt(f"the {what} at offset {offset} fails its checksum (stored {stored:#010x}, "
                       f"computed {actual:#010x}): the file is corrupt")
    return contents


def _block_entries(block: bytes, what: str) -> Iterator[tuple[bytes, bytes]]:
    """Yield a block's (key, value) pairs in order, undoing the prefix compression."""
    if len(block) < 4:
        raise _Corrupt(f"the {what} is shorter than its restart count")
    n_restarts = int.from_bytes(block[-4:], "little")
    limit = len(block) - 4 - 4 * n_restarts
    if limit < 0:
        raise _Corrupt(f"the {what} claims {n_restarts} restart points, more than fit in {len(block)} bytes")
    restarts = struct.unpack_from(f"<{n_restarts}I", block, limit)
    if limit and any(r >= limit for r in restarts):
        raise _Corrupt(f"the {what} has a restart point past its entries")
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos, limit)
        non_shared, pos = _varint(block, pos, limit)
        value_len, pos = _varint(block, pos, limit)
        if shared > len(key):
            raise _Corrupt(f"an entry of the {what} shares {shared} bytes of {article(f'{len(key)}-byte')} key")
        if pos + non_shared + value_len > limit:
            raise _Corrupt(f"an entry of the {what} runs past the block's end")
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        yield key, block[pos:pos + value_len]
        pos += value_len


def _table_entries(table: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield every (key, value) pair of an SSTable, data block after data block."""
    if len(table) < FOOTER_SIZE:
        raise _Corrupt(f"the file is {len(table)} bytes, shorter than a table footer ({FOOTER_SIZE}): truncated?")
    footer = table[-FOOTER_SIZE:]
    magic = int.from_bytes(footer[-8:], "little")
    if magic != TABLE_MAGIC:
        raise _Corrupt(f"bad magic number {magic:#018x} (a table has {TABLE_MAGIC:#018x}): "
                       "not a TensorFlow checkpoint index, or truncated")
    _, _, pos = _handle(footer, 0, FOOTER_SIZE - 8)  # the metaindex block: unused by bundles
    index_offset, index_size, _ = _handle(footer, pos, FOOTER_SIZE - 8)
    index = _read_block(table, index_offset, index_size, "index block")
    for _, handle in _block_entries(index, "index block"):
        offset, size, end = _handle(handle, 0)
        if end != len(handle):
            raise _Corrupt("an index entry is not a block handle")
        yield from _block_entries(_read_block(table, offset, size, "data block"), "data block")


# --------------------------------------------------------------------------- the bundle

def _shard_path(prefix: str, shard: int, num_shards: int) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def _read_index(index_path: str) -> tuple[_Header, dict[str, _Entry]]:
    try:
        with open(index_path, "rb") as f:
            table = f.read()
    except FileNotFoundError:
        raise WeightsUnavailableError(f"checkpoint index {index_path} does not exist") from None
    except OSError as e:
        raise WeightsUnavailableError(f"checkpoint index {index_path} cannot be read: {e}") from e
    header: _Header | None = None
    entries: dict[str, _Entry] = {}
    current = ""  # the entry being read, for the error message
    try:
        for key, value in _table_entries(table):
            if key == b"":
                current = "the bundle header"
                header = _parse_header(value)
                continue
            current = f"tensor {key.decode('utf-8', 'backslashreplace')!r}"
            try:
                name = key.decode("utf-8")
            except UnicodeDecodeError:
                raise _Corrupt("the tensor name is not UTF-8") from None
            entries[name] = _parse_entry(value)
    except _Corrupt as e:
        where = f" ({current})" if current else ""
        raise WeightsUnavailableError(f"checkpoint index {index_path}{where}: {e}") from None
    if header is None:
        raise WeightsUnavailableError(f"checkpoint index {index_path} has no bundle header (the entry with the "
                                      "empty key): not a TensorFlow v2 checkpoint")
    return header, entries


def _read_tensor(
    f: io.BufferedReader, path: str, name: str, entry: _Entry, big_endian: bool, verify: bool
) -> np.ndarray:
    dtype = DTYPES.get(entry.dtype)
    if dtype is None:
        label = DTYPE_NAMES.get(entry.dtype, f"DataType {entry.dtype}")
        raise WeightsUnavailableError(f"tensor {name!r} in {path} has dtype {label}, which this reader does not read")
    if big_endian:
        dtype = dtype.newbyteorder(">")
    count = int(np.prod(entry.shape, dtype=np.int64))
    if count * dtype.itemsize != entry.size:
        raise WeightsUnavailableError(
            f"tensor {name!r} in {path}: {entry.size} bytes do not hold shape {entry.shape} of "
            f"{dtype.itemsize}-byte items ({count * dtype.itemsize} bytes)")
    f.seek(entry.offset)
    raw = bytearray(entry.size)
    got = f.readinto(raw)
    if got != entry.size:
        raise WeightsUnavailableError(
            f"tensor {name!r} in {path}: bytes {entry.offset}..{entry.offset + entry.size} lie past the "
            f"end of the file ({entry.offset + (got or 0)} bytes): truncated?")
    if verify and entry.crc32c is not None and mask_crc(crc32c(raw)) != entry.crc32c:
        raise WeightsUnavailableError(f"tensor {name!r} in {path} fails its checksum: the file is corrupt")
    array = np.frombuffer(raw, dtype=dtype).reshape(entry.shape)
    if entry.dtype == DT_BFLOAT16:
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_checkpoint(prefix: str | os.PathLike[str], *, verify: bool = False) -> dict[str, np.ndarray]:
    """Every tensor of the TensorFlow v2 checkpoint ``prefix`` (the path without ``.index``), by name.

    Arrays have the tensor's dtype in native byte order (bfloat16 is widened to float32).
    ``verify`` also checks each tensor's CRC-32C (in pure Python: slow for large checkpoints);
    the index's own blocks are always checked. Raises :class:`WeightsUnavailableError` naming
    the file for a missing or damaged file, a compressed table, sliced tensors, or a dtype
    (strings, resources) it does not read.
    """
    prefix = os.fspath(prefix)
    index_path = prefix + ".index"
    header, entries = _read_index(index_path)
    by_shard: dict[int, list[tuple[str, _Entry]]] = {}
    for name, entry in entries.items():
        if not 0 <= entry.shard_id < header.num_shards:
            shards = plural(header.num_shards, "shard")
            raise WeightsUnavailableError(f"checkpoint index {index_path}: tensor {name!r} is in shard "
                                          f"{entry.shard_id}, but the header names {shards}")
        by_shard.setdefault(entry.shard_id, []).append((name, entry))
    tensors: dict[str, np.ndarray] = {}
    for shard in sorted(by_shard):
        path = _shard_path(prefix, shard, header.num_shards)
        if not Path(path).is_file():
            raise WeightsUnavailableError(f"checkpoint data shard {path} does not exist (named by {index_path})")
        try:
            with open(path, "rb") as f:
                for name, entry in sorted(by_shard[shard], key=lambda item: item[1].offset):
                    tensors[name] = _read_tensor(f, path, name, entry, header.big_endian, verify)
        except OSError as e:
            raise WeightsUnavailableError(f"checkpoint data shard {path} cannot be read: {e}") from e
    return {name: tensors[name] for name in entries}
