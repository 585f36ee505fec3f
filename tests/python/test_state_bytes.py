"""Untrusted state bytes (issue 19): declared sizes are checked against the length before any
allocation, counts for sign, and every malformed image is an InputError, never another exception.

The images are built by hand from the documented layouts (magic, little-endian header fields)
rather than by mutating only what the code wrote, so the oracle is the layout itself."""

import random
import resource
import struct

import numpy as np
import pytest
import servscore as ss
from servscore import _core

NPS_MAGIC = b"SSRCNT01"


def refused_without_allocating(load, images, match):
    """Each image raises InputError(match) and the process's peak memory grows by < 64 MB (a
    zeroed state of the declared size would touch gigabytes; C++ allocations are not seen by
    tracemalloc, the resident-set high-water mark sees them)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    for img in images:
        with pytest.raises(ss.InputError, match=match):
            load(img)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024


def nps_image(lo, hi, groups, weighted, payload_cells=None):
    head = NPS_MAGIC + struct.pack("<iiii", lo, hi, groups, weighted)
    return head + b"\0" * (8 * (payload_cells or 0))


def test_nps_counts_header_declaring_huge_sizes_allocates_nothing():
    images = [
        nps_image(0, 10, 2**31 - 1, 0),  # 2^31 groups x 11 points
        nps_image(0, 1000, 2**30, 1),
        nps_image(-(2**31), 2**31 - 2, 1, 0),  # hi - lo + 1 overflows int32
    ]
    refused_without_allocating(_core.ResponseCounts.from_bytes, images, "from_bytes")


def test_nps_counts_exact_image_reads_and_negative_counts_are_refused():
    # 0-10 scale, 1 group, unweighted: 11 counts then 1 missing count
    counts = list(range(11))
    good = NPS_MAGIC + struct.pack("<iiii", 0, 10, 1, 0) + struct.pack("<11q", *counts) + struct.pack("<q", 4)
    rc = _core.ResponseCounts.from_bytes(good)
    assert rc.counts.tolist() == [counts] and rc.missing.tolist() == [4]
    bad = (
        NPS_MAGIC + struct.pack("<iiii", 0, 10, 1, 0) + struct.pack("<11q", *counts[:-1], -4459) + struct.pack("<q", 4)
    )
    with pytest.raises(ss.InputError, match="negative count -4459"):
        _core.ResponseCounts.from_bytes(bad)
    with pytest.raises(ss.InputError, match="declares"):
        _core.ResponseCounts.from_bytes(good[:-1])
    with pytest.raises(ss.InputError, match="declares"):
        _core.ResponseCounts.from_bytes(good + b"\0")


def test_moments_header_declaring_a_million_variables_allocates_nothing():
    # magic, version 1, p, policy, weighted, n_rows, n_dropped, n_names = 0: 38 bytes
    magic = ss.Moments().update(np.ones((3, 2))).to_bytes()[:8]
    img = magic + struct.pack("<IiBBqqI", 1, 1_000_000, 0, 0, 3, 0, 0)
    assert len(img) == 38
    refused_without_allocating(ss.Moments.from_bytes, [img], "declares 1000000 variables")


def test_moments_negative_counts_are_refused():
    m = ss.Moments().update(np.array([[1.0, 2.0], [2.0, 4.0], [4.0, 5.0]]))
    b = bytearray(m.to_bytes())
    # n_rows follows magic (8), version (4), p (4), policy (1), weighted (1)
    struct.pack_into("<q", b, 18, -4459)
    with pytest.raises(ss.InputError, match="corrupt row counts"):
        ss.Moments.from_bytes(bytes(b))


def _mutations(image, n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        b = bytearray(image)
        kind = rng.randrange(3)
        if kind == 0:  # flip bytes
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif kind == 1:  # truncate
            b = b[: rng.randrange(len(b))]
        else:  # insert bytes
            pos = rng.randrange(len(b) + 1)
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        yield bytes(b)


@pytest.mark.parametrize(
    "make, load",
    [
        (lambda: ss.Moments().update(np.arange(12.0).reshape(4, 3)).to_bytes(), ss.Moments.from_bytes),
        (
            lambda: ss.ResponseAccumulator().update([9, 10, 3, 7], by=["a", "b", "a", "b"]).to_bytes(),
            ss.ResponseAccumulator.from_bytes,
        ),
        (lambda: _core.ResponseCounts(0, 10, 3, True).to_bytes(), _core.ResponseCounts.from_bytes),
    ],
    ids=["moments", "nps_accumulator", "response_counts"],
)
def test_mutated_images_load_or_raise_input_error(make, load):
    image = make()
    load(image)  # the unmutated image reads
    outcomes = {"ok": 0, "input_error": 0}
    for b in _mutations(image, 300, seed=19):
        try:
            load(b)
            outcomes["ok"] += 1
        except ss.InputError:
            outcomes["input_error"] += 1
    assert outcomes["input_error"] > 0 and sum(outcomes.values()) == 300
