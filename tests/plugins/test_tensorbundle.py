"""The TensorFlow checkpoint reader, against checkpoints a small writer here lays out as TensorFlow does."""
import contextlib
import struct

import numpy as np
import pytest

from aadbench.errors import WeightsUnavailableError
from aadbench.plugins.audio_nets import tensorbundle as tb

# --------------------------------------------------------------------------- a minimal writer

DT = {np.dtype("float32"): 1, np.dtype("float64"): 2, np.dtype("int32"): 3, np.dtype("int64"): 9,
      np.dtype("bool"): 10, np.dtype("float16"): 19}


def varint(n):
    n &= 0xFFFFFFFFFFFFFFFF  # negative int32/int64: 10-byte two's complement, as protobuf writes them
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def header_proto(num_shards, endianness=0):
    version = field_varint(1, 1)  # VersionDef.producer
    out = field_varint(1, num_shards)
    if endianness:
        out += field_varint(2, endianness)
    return out + field_bytes(3, version)


def entry_proto(dtype, shape, shard_id, offset, size, crc, extra=b""):
    dims = b"".join(field_bytes(2, field_varint(1, d) if d else b"") for d in shape)  # size 0 is omitted in proto3
    out = field_varint(1, dtype) + field_bytes(2, dims)
    if shard_id:
        out += field_varint(3, shard_id)
    if offset:
        out += field_varint(4, offset)
    if size:
        out += field_varint(5, size)
    # an unknown field (number 15, 64-bit) the reader must skip
    return out + field_fixed32(6, crc) + varint(15 << 3 | 1) + b"\x01" * 8 + extra


def block(entries, restart_interval):
    """One block: prefix-compressed entries, restart array, restart count."""
    out, restarts, prev = bytearray(), [], b""
    for i, (key, value) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(prev), len(key)) and prev[shared] == key[shared]:
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value)) + key[shared:] + value
        prev = key
    if not restarts:
        restarts = [0]
    out += b"".join(struct.pack("<I", r) for r in restarts) + struct.pack("<I", len(restarts))
    return bytes(out)


def write_table(entries, entries_per_block=4, restart_interval=3, compression=0):
    """An SSTable of sorted (key, value) pairs: data blocks, an empty metaindex, an index block, the footer."""
    keys = [k for k, _ in entries]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    out = bytearray()

    def put(contents, kind=0):
        handle = varint(len(out)) + varint(len(contents))
        out.extend(contents)
        trailer_crc = tb.mask_crc(tb.crc32c(contents + bytes([kind])))
        out.extend(bytes([kind]) + struct.pack("<I", trailer_crc))
        return handle

    index = []
    for start in range(0, len(entries), entries_per_block):
        chunk = entries[start:start + entries_per_block]
        handle = put(block(chunk, restart_interval), compression)
        index.append((chunk[-1][0], handle))  # the last key of the block: a valid separator
    meta_handle = put(block([], 1))
    index_handle = put(block(index, 1))
    footer = (meta_handle + index_handle).ljust(40, b"\0") + struct.pack("<Q", tb.TABLE_MAGIC)
    out.extend(footer)
    return bytes(out)


def write_checkpoint(prefix, tensors, num_shards=1, big_endian=False, **table_options):
    """Write ``tensors`` (name -> array) as TensorFlow does; tensor i goes to shard i % num_shards."""
    shards = [bytearray() for _ in range(num_shards)]
    entries = [(b"", header_proto(num_shards, 1 if big_endian else 0))]
    for i, name in enumerate(sorted(tensors)):
        array = np.asarray(tensors[name])
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(">" if big_endian else "<")).tobytes()
        shard = shards[i % num_shards]
        entries.append((name.encode(), entry_proto(DT[array.dtype], array.shape, i % num_shards, len(shard),
                                                   len(data), tb.mask_crc(tb.crc32c(data)))))
        shard.extend(data)
    entries.sort()
    (prefix.parent / (prefix.name + ".index")).write_bytes(write_table(entries, **table_options))
    for k, data in enumerate(shards):
        (prefix.parent / f"{prefix.name}.data-{k:05d}-of-{num_shards:05d}").write_bytes(bytes(data))


# --------------------------------------------------------------------------- tests

def sample_tensors():
    rng = np.random.default_rng(0)
    return {
        "batch_normalization/moving_mean": rng.normal(size=7).astype(np.float32),
        "batch_normalization/moving_variance": rng.random(7).astype(np.float32),
        "batch_normalization_1/beta": rng.normal(size=5).astype(np.float64),
        "conv1/bias": rng.normal(size=4).astype(np.float32),
        "conv1/kernel": rng.normal(size=(3, 2, 4)).astype(np.float32),
        "conv2/kernel": rng.normal(size=(2, 3, 1, 2)).astype(np.float16),
        "dense/mask": rng.random((2, 3)) > 0.5,
        "global_step": np.array(12345678901, dtype=np.int64),
        "layer/counts": np.array([-3, 0, 7, 2**31 - 1, -(2**31)], dtype=np.int32),
        "layer/empty": np.zeros((0, 3), dtype=np.float32),
        "z_scalar": np.array(-1.5, dtype=np.float32),
    }


def assert_same(read, tensors):
    assert list(read) == sorted(tensors)
    for name, expected in tensors.items():
        got = read[name]
        assert got.dtype == expected.dtype and got.dtype.isnative, name
        assert got.shape == expected.shape, name
        np.testing.assert_array_equal(got, expected, err_msg=name)


@pytest.mark.parametrize("num_shards", [1, 2])
def test_round_trip_keeps_every_tensor_dtype_and_shape(tmp_path, num_shards):
    tensors = sample_tensors()
    write_checkpoint(tmp_path / "model.ckpt", tensors, num_shards=num_shards)
    read = tb.read_checkpoint(tmp_path / "model.ckpt")
    assert_same(read, tensors)
    assert read["z_scalar"].shape == () and read["conv1/kernel"].ndim == 3
    assert_same(tb.read_checkpoint(str(tmp_path / "model.ckpt"), verify=True), tensors)


def test_layout_exercises_prefix_compression_restarts_and_several_blocks(tmp_path):
    tensors = sample_tensors()
    write_checkpoint(tmp_path / "model.ckpt", tensors)
    table = (tmp_path / "model.ckpt.index").read_bytes()
    keys = [key for key, _ in tb._table_entries(table)]
    assert keys[0] == b"" and keys == sorted(keys) and len(keys) == len(tensors) + 1
    footer = table[-tb.FOOTER_SIZE:]
    _, _, pos = tb._handle(footer, 0)
    offset, size, _ = tb._handle(footer, pos)
    index = list(tb._block_entries(tb._read_block(table, offset, size, "index"), "index"))
    assert len(index) >= 3
    first = tb._handle(index[0][1], 0)
    block = tb._read_block(table, first[0], first[1], "data")
    assert int.from_bytes(block[-4:], "little") == 2  # 4 entries, a restart every 3
    # stored as deltas of the keys before them (moving_mean, conv1/bias)
    assert b"batch_normalization/moving_variance" not in table and b"conv1/kernel" not in table


def test_one_entry_per_block_and_no_prefix_sharing_also_read(tmp_path):
    tensors = sample_tensors()
    write_checkpoint(tmp_path / "model.ckpt", tensors, entries_per_block=1, restart_interval=1)
    assert_same(tb.read_checkpoint(tmp_path / "model.ckpt"), tensors)
    write_checkpoint(tmp_path / "big.ckpt", tensors, entries_per_block=100, restart_interval=16)
    assert_same(tb.read_checkpoint(tmp_path / "big.ckpt"), tensors)


def test_big_endian_bundles_come_back_in_native_order(tmp_path):
    tensors = sample_tensors()
    write_checkpoint(tmp_path / "model.ckpt", tensors, big_endian=True)
    assert_same(tb.read_checkpoint(tmp_path / "model.ckpt"), tensors)


def test_crc32c_matches_the_standard_check_value():
    assert tb.crc32c(b"123456789") == 0xE3069283
    assert tb.crc32c(b"6789", tb.crc32c(b"12345")) == 0xE3069283


@contextlib.contextmanager
def raises_naming(path, *words):
    """Expect a WeightsUnavailableError whose message names ``path`` and holds each of ``words``."""
    with pytest.raises(WeightsUnavailableError) as caught:
        yield
    message = str(caught.value)
    for part in (str(path), *words):
        assert part in message, (part, message)


def test_missing_index(tmp_path):
    with raises_naming(tmp_path / "model.ckpt.index", "does not exist"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


@pytest.mark.parametrize("keep", [0, 20, 47, -1, -9])
def test_truncated_index(tmp_path, keep):
    write_checkpoint(tmp_path / "model.ckpt", sample_tensors())
    index = tmp_path / "model.ckpt.index"
    index.write_bytes(index.read_bytes()[:keep])
    with raises_naming(index, "truncated"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_wrong_magic(tmp_path):
    write_checkpoint(tmp_path / "model.ckpt", sample_tensors())
    index = tmp_path / "model.ckpt.index"
    data = bytearray(index.read_bytes())
    data[-1] ^= 0xFF
    index.write_bytes(bytes(data))
    with raises_naming(index, "magic"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_corrupt_block_fails_its_checksum(tmp_path):
    write_checkpoint(tmp_path / "model.ckpt", sample_tensors())
    index = tmp_path / "model.ckpt.index"
    data = bytearray(index.read_bytes())
    data[3] ^= 0x01
    index.write_bytes(bytes(data))
    with raises_naming(index, "checksum"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


@pytest.mark.parametrize("num_shards", [1, 2])
def test_missing_data_shard(tmp_path, num_shards):
    write_checkpoint(tmp_path / "model.ckpt", sample_tensors(), num_shards=num_shards)
    shard = tmp_path / f"model.ckpt.data-{num_shards - 1:05d}-of-{num_shards:05d}"
    shard.unlink()
    with raises_naming(shard, "does not exist"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_truncated_data_shard(tmp_path):
    write_checkpoint(tmp_path / "model.ckpt", sample_tensors())
    shard = tmp_path / "model.ckpt.data-00000-of-00001"
    shard.write_bytes(shard.read_bytes()[:-3])
    with raises_naming(shard, "truncated"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_corrupt_tensor_fails_verification_only(tmp_path):
    tensors = {"a": np.arange(4, dtype=np.float32)}
    write_checkpoint(tmp_path / "model.ckpt", tensors)
    shard = tmp_path / "model.ckpt.data-00000-of-00001"
    shard.write_bytes(b"\xff" + shard.read_bytes()[1:])
    assert tb.read_checkpoint(tmp_path / "model.ckpt")["a"][0] != 0
    with raises_naming(shard, "'a'", "checksum"):
        tb.read_checkpoint(tmp_path / "model.ckpt", verify=True)


def test_compressed_block(tmp_path):
    write_checkpoint(tmp_path / "model.ckpt", sample_tensors(), compression=1)
    with raises_naming(tmp_path / "model.ckpt.index", "compressed", "snappy"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def write_entries(prefix, entries, shard=b""):
    (prefix.parent / (prefix.name + ".index")).write_bytes(write_table([(b"", header_proto(1)), *entries]))
    (prefix.parent / (prefix.name + ".data-00000-of-00001")).write_bytes(shard)


def test_unsupported_dtype_names_the_tensor(tmp_path):
    write_entries(tmp_path / "model.ckpt", [(b"_CHECKPOINTABLE_OBJECT_GRAPH", entry_proto(7, (), 0, 0, 3, 0))],
                  shard=b"\x01\x02x")
    with raises_naming(tmp_path / "model.ckpt.data-00000-of-00001", "_CHECKPOINTABLE_OBJECT_GRAPH", "DT_STRING"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_size_that_does_not_match_the_shape(tmp_path):
    write_entries(tmp_path / "model.ckpt", [(b"w", entry_proto(1, (2, 3), 0, 0, 20, 0))], shard=bytes(24))
    with raises_naming(tmp_path / "model.ckpt.data-00000-of-00001", "'w'", "20 bytes", "(2, 3)"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_sliced_tensors_are_refused(tmp_path):
    entry = entry_proto(1, (2,), 0, 0, 8, 0, extra=field_bytes(7, b""))
    write_entries(tmp_path / "model.ckpt", [(b"part", entry)], shard=bytes(8))
    with raises_naming(tmp_path / "model.ckpt.index", "'part'", "slices"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_shard_beyond_the_header(tmp_path):
    write_entries(tmp_path / "model.ckpt", [(b"w", entry_proto(1, (2,), 3, 0, 8, 0))], shard=bytes(8))
    with raises_naming(tmp_path / "model.ckpt.index", "'w'", "shard 3"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


def test_index_without_header(tmp_path):
    (tmp_path / "model.ckpt.index").write_bytes(write_table([(b"w", entry_proto(1, (), 0, 0, 4, 0))]))
    with raises_naming(tmp_path / "model.ckpt.index", "no bundle header"):
        tb.read_checkpoint(tmp_path / "model.ckpt")


# ------------------------------------------------------------------ musicnn-pons: the wheel's checkpoints


def _musicnn_wheel(path, model_state):
    """A wheel laid out as musicnn 0.1.0's, its checkpoints written in the TensorBundle format."""
    import zipfile

    from aadbench.plugins.musicnn_pons.convert import MODELS
    from aadbench.plugins.musicnn_pons.model import TF_NAMES

    inverse = {v: k for k, v in TF_NAMES.items()}
    tf_vars = {}
    for name, value in model_state.items():
        if name not in inverse:
            continue
        value = value.numpy()
        if value.ndim == 4:
            value = value.transpose(2, 3, 1, 0)
        elif inverse[name].endswith("/kernel"):
            value = value.T
        tf_vars[inverse[name]] = np.ascontiguousarray(value, dtype=np.float32)
        tf_vars[inverse[name] + "/Adam"] = np.zeros_like(tf_vars[inverse[name]])  # optimiser slots are dropped
    tf_vars["beta1_power"] = np.float32(0.9)
    with zipfile.ZipFile(path, "w") as z:
        for model in MODELS:
            prefix = path.parent / "ckpt" / model / "model"
            prefix.parent.mkdir(parents=True, exist_ok=True)
            write_checkpoint(prefix, tf_vars)
            z.write(f"{prefix}.index", f"musicnn/{model}/.index")
            z.write(f"{prefix}.data-00000-of-00001", f"musicnn/{model}/.data-00000-of-00001")
    return path


def test_musicnn_weights_come_out_of_the_wheel_without_tensorflow(tmp_path, monkeypatch):
    import hashlib

    import torch

    from aadbench import weights as w
    from aadbench.plugins.musicnn_pons import convert as conv
    from aadbench.plugins.musicnn_pons.extractor import MusicnnPonsExtractor
    from aadbench.plugins.musicnn_pons.model import build

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    torch.manual_seed(5)
    reference = build(seed=5)
    for m in reference.modules():  # trained-looking batch-norm statistics
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    wheel = _musicnn_wheel(tmp_path / conv.WHEEL, reference.state_dict())
    with pytest.raises(w.WeightsUnavailableError, match="is not that of musicnn-0.1.0"):
        conv.checkpoints_from_wheel(wheel)
    monkeypatch.setattr(conv, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    target = w.WeightsFile(url="https://pypi.org/project/musicnn/0.1.0/", filename=conv.cache_name("MTT_musicnn"))
    path = conv.convert(target, str(wheel))
    assert path == w.cache_path(target) and all((path.parent / conv.cache_name(m)).is_file() for m in conv.MODELS)
    from safetensors.numpy import load_file

    assert not [k for k in load_file(str(path)) if "Adam" in k or "power" in k]
    ext = MusicnnPonsExtractor(weights=str(path), device="cpu")
    wave = np.random.default_rng(0).standard_normal(16000 * 4).astype(np.float32) * 0.1
    rows = ext.extract([wave])[0]
    from aadbench.plugins.musicnn_pons.extractor import log_mel

    spec = torch.from_numpy(log_mel(wave)[None, :187])
    with torch.inference_mode():
        expected = reference.eval()(spec, "penultimate").numpy()
    np.testing.assert_allclose(rows[0], expected[0], rtol=1e-4, atol=1e-5)
