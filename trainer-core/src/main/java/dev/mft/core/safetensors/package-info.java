/**
 * The safetensors format, read and written in pure Java over {@link java.nio.ByteBuffer}s.
 *
 * <p>Byte layout of one file: an unsigned little-endian 64-bit header length {@code N}; {@code N}
 * bytes of UTF-8 JSON, {@code {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin,
 * end]}, ..., "__metadata__": {"key": "value"}}}, possibly padded with trailing spaces; then the
 * data region, in which every tensor's offsets are relative to its start. Tensors are row-major and
 * little-endian. See docs/safetensors.md for the validation rules and the sharded layout.
 *
 * <p>No NDArray here on purpose: {@link dev.mft.core.safetensors.SafetensorsFile#data(String)}
 * hands out slices of the memory-mapped file, which the tensor layer wraps without a copy.
 */
package dev.mft.core.safetensors;
