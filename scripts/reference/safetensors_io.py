"""A tiny, dependency-free safetensors reader and writer (json + struct + numpy + torch).

File layout (https://github.com/huggingface/safetensors, "Format" section):

    [8 bytes]  N, unsigned 64-bit little-endian: length of the JSON header
    [N bytes]  UTF-8 JSON: {"__metadata__": {str: str}?,
                            name: {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
    [rest]     the byte buffer; data_offsets are relative to its start, end exclusive, little-endian values

The writer pads the header with spaces to a multiple of 8 bytes (as the Rust implementation does, so the
buffer starts 8-byte aligned), stores tensors sorted by name, back to back, and replaces the target file
atomically. The reader validates every offset against the file size and decodes BF16 exactly
(a bf16 value is the top 16 bits of the float32 with the same value).
"""
import json
import os
import struct
import tempfile

import numpy as np
import torch

# safetensors dtype tag -> (numpy dtype of the stored little-endian values, bytes per element)
_NUMPY_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # raw bits; decoded by _bf16_bits_to_float32
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}

_TORCH_TO_TAG = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def _bf16_bits_to_float32(bits):
    """uint16 bf16 bit patterns -> float32 values, exactly (shift into the high half of a float32)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def read_header(path):
    """Returns (header dict without __metadata__, metadata dict, byte offset where the buffer starts)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) != 8:
            raise ValueError(f"{path}: file is {size} bytes, shorter than the 8-byte header length")
        (n,) = struct.unpack("<Q", prefix)
        if 8 + n > size:
            raise ValueError(f"{path}: header length {n} runs past the end of the {size}-byte file")
        header = json.loads(f.read(n).decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    return header, metadata, 8 + n


def load_file(path):
    """Reads every tensor. Returns (tensors: name -> np.ndarray, dtypes: name -> safetensors tag).

    Float tensors come back as float32 (F16/BF16 widened exactly) or float64 (F64); integers as stored.
    """
    header, _, start = read_header(path)
    buffer_size = os.path.getsize(path) - start
    tensors, dtypes = {}, {}
    with open(path, "rb") as f:
        for name in sorted(header):
            info = header[name]
            tag, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            if tag not in _NUMPY_DTYPES:
                raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {tag!r}")
            np_dtype = _NUMPY_DTYPES[tag]
            expected = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
            if not (0 <= begin <= end <= buffer_size) or end - begin != expected:
                raise ValueError(
                    f"{path}: tensor {name!r} data_offsets [{begin}, {end}] do not hold {shape} x {tag} "
                    f"({expected} bytes) inside a {buffer_size}-byte buffer")
            f.seek(start + begin)
            values = np.frombuffer(f.read(end - begin), dtype=np_dtype).reshape(shape)
            if tag == "BF16":
                values = _bf16_bits_to_float32(values)
            elif tag == "F16":
                values = values.astype(np.float32)  # exact: every f16 value is a float32 value
            tensors[name] = values.copy()
            dtypes[name] = tag
    return tensors, dtypes


def save_file(path, tensors, metadata=None):
    """Writes name -> torch.Tensor (stored in the tensor's own dtype), sorted by name, atomically."""
    names = sorted(tensors)
    header, chunks, offset = {}, [], 0
    for name in names:
        t = tensors[name].detach().contiguous().cpu()
        tag = _TORCH_TO_TAG[t.dtype]
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()  # bf16 bits, little-endian
        else:
            raw = t.numpy().astype(_NUMPY_DTYPES[tag]).tobytes()
        header[name] = {"dtype": tag, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header = {"__metadata__": dict(metadata), **header}
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # buffer starts 8-byte aligned
    write_atomically(path, [struct.pack("<Q", len(header_bytes)), header_bytes, *chunks])


def write_atomically(path, chunks):
    """Writes byte chunks to a temp file in the target folder, then renames it over the target."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
