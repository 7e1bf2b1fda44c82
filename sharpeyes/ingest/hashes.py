"""64-bit hashes of text columns over Arrow's buffers (no Python string per value), and the values
that occur more than once told by them (exactly: only the values whose hash repeats are compared).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: The golden-ratio constant of SplitMix64 (mixed into lengths and field positions).
GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (a bijection of uint64 that spreads every input bit)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return np.asarray(x ^ (x >> np.uint64(31)), dtype=np.uint64)


def text_hashes(arr: pa.ChunkedArray) -> np.ndarray:
    """uint64 per text value, from its UTF-8 bytes in Arrow's buffers (no Python strings): the
    length, then each 8-byte word of the value (the bytes past its end zeroed), mixed in turn.

    The rows are taken longest first, so that the rows that have a k-th word are one leading
    slice (no gather of the running hashes per word); a word is one unaligned 8-byte load."""
    text = arr.cast(pa.large_string()).combine_chunks()
    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64, count=n + 1, offset=text.offset * 8)
    buffer = text.buffers()[2]
    raw = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
    padded = np.concatenate([raw[: int(offsets[-1])], np.zeros(8, dtype=np.uint8)])
    # element i of `words` is the 8 bytes starting at byte i (an unaligned view: no copy)
    words = np.ndarray(shape=(len(padded) - 7,), dtype=np.uint64, buffer=padded, strides=(1,))
    starts, lengths = offsets[:-1], np.diff(offsets)
    h = mix(lengths.astype(np.uint64) ^ GOLDEN)
    count = (lengths + 7) >> 3  # words per value
    top = int(count.max()) if n else 0
    if top == 0:
        return h
    order = np.argsort(-count, kind="stable")
    longer = n - np.cumsum(np.bincount(count, minlength=top + 1))  # values of more than k words
    running, first, size = h[order], starts[order], lengths[order]
    for k in range(top):
        m, full = int(longer[k]), int(longer[k + 1])
        word = words[first[:m] + 8 * k]
        # the values whose last word this is (rows full…m) keep only their own bytes
        bits = ((size[full:m] - 8 * k) * 8).astype(np.uint64)
        whole = bits >= np.uint64(64)
        word[full:m] &= np.where(
            whole, ~np.uint64(0), (np.uint64(1) << np.where(whole, 0, bits)) - np.uint64(1)
        )
        running[:m] = mix(running[:m] ^ word)
    h[order] = running
    return h


def duplicated(arr: pa.ChunkedArray, hashes: np.ndarray | None = None) -> np.ndarray:
    """True where a non-null value occurs more than once.

    By the values' 64-bit hashes (``hashes``: :func:`text_hashes` of ``arr``, or any hash equal
    for equal values; made here when not given), sorted: only the values whose hash repeats are
    then compared as text, so the answer is exact and a million distinct IDs never go through a
    hash table of strings.
    """
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=bool)
    h = text_hashes(arr) if hashes is None else np.asarray(hashes, dtype=np.uint64)
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    at = np.flatnonzero(valid) if not valid.all() else None
    values = h if at is None else h[at]
    order = np.argsort(values)  # the hashes in order: a repeat sits beside its twin
    same = values[order][1:] == values[order][:-1]
    if not same.any():
        return np.zeros(n, dtype=bool)
    twin = np.zeros(len(values), dtype=bool)
    twin[1:] |= same
    twin[:-1] |= same
    candidates = np.sort(order[twin])
    if at is not None:
        candidates = at[candidates]
    out = np.zeros(n, dtype=bool)
    out[candidates] = _exact_duplicated(arr.take(pa.array(candidates)))
    return out


def _exact_duplicated(arr: pa.ChunkedArray) -> np.ndarray:
    """True where a value (none null) occurs more than once, compared as text."""
    encoded = pc.dictionary_encode(arr).combine_chunks()
    if isinstance(encoded, pa.ChunkedArray):  # pragma: no cover - pyarrow version differences
        encoded = pa.concat_arrays(encoded.chunks)
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    return np.asarray(counts[codes] > 1, dtype=bool)
