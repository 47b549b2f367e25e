"""Sets of document numbers as Python ints (bit d for document d).

A search is ANDs and ORs of these (in C, however many documents), a count is a popcount.
"""
from __future__ import annotations

import itertools
import re
from collections import deque

BIT = (1, 2, 4, 8, 16, 32, 64, 128)  # BIT[d & 7]: document d's bit in byte d >> 3
_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
_FLAGS_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_ONE = re.compile("1")


def bit_set(docnums, size: int) -> int:
    """The bit set of `docnums` (a sequence), all below `size`."""
    if len(docnums) * 16 < size:  # few: set the bits one by one
        mask = bytearray((size >> 3) + 1)
        for d in docnums:
            mask[d >> 3] |= BIT[d & 7]
        return int.from_bytes(mask, "little")
    flags = bytearray(size)  # many: a byte per document, set in C, read as a binary number
    deque(map(flags.__setitem__, docnums, itertools.repeat(1)), maxlen=0)
    return int(flags.translate(_FLAGS_TO_DIGITS)[::-1], 2)


def docnums_of(bits: int) -> list[int]:
    """The set bits of `bits`, ascending."""
    if not bits:
        return []
    binary = bin(bits)[:1:-1]  # bit 0 first
    if bits.bit_count() * 4 > len(binary):  # dense: test every bit, in C
        return list(itertools.compress(range(len(binary)), binary.encode("ascii").translate(_TO_FLAGS)))
    return [m.start() for m in _ONE.finditer(binary)]


def count_bits(bit_sets: list[int]) -> int:
    """Documents in all of `bit_sets` (one per segment)."""
    return sum(bits.bit_count() for bits in bit_sets)
