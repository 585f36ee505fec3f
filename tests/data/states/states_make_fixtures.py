# Writes tests/data/states/encounters_v1.bin: an encounter summary state (SSENCSU1) written
# field by field from the documented layout (include/servscore/encounters.hpp,
# EncounterSummaryState), not by servscore, with hand-chosen totals.
#
#     .venv/bin/python tests/data/states/states_make_fixtures.py tests/data/states
import json
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
config = {"indicators": [{"name": "a", "side": "procedural"}, {"name": "b", "side": "personal"}]}
cfg = json.dumps(config).encode()
b = bytearray(b"SSENCSU1")
b += struct.pack("<B", 1)  # weighting decided, unweighted
b += struct.pack("<I", len(cfg)) + cfg
# GroupKeys image: "SSGK", u32 version 1, u32 width, names, u32 size, values (tag 3: string)
b += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"branch" + struct.pack("<I", 2)
for key in (b"south", b"north"):  # stored in any order; read back in key order
    b += struct.pack("<BI", 3, len(key)) + key
b += struct.pack("<I", 2)  # k indicators
# per group in key order (north, south): 8 i64 (freezer, factory, friendly, quality, unknown,
# scored procedural, scored personal, outside quality), 2 + k f64 (score sums, credits)
b += struct.pack("<8q", 1, 0, 1, 2, 0, 4, 4, 2) + struct.pack("<4d", 250.0, 300.0, 1.0, 1.0)
b += struct.pack("<8q", 0, 0, 0, 1, 0, 1, 1, 0) + struct.pack("<4d", 100.0, 75.0, 0.0, 0.0)
(out / "encounters_v1.bin").write_bytes(bytes(b))
print(len(b), "bytes")

# Compliance (SSCOMPL1): one standard, branches north and south
std = json.dumps({"standards": [{"id": "greet", "met": {"field": "greet_seconds", "op": "<=", "value": 3}}]}).encode()
c = bytearray(b"SSCOMPL1") + struct.pack("<I", len(std)) + std
c += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"branch" + struct.pack("<I", 2)
for key in (b"north", b"south"):
    c += struct.pack("<BI", 3, len(key)) + key
c += struct.pack("<I", 1)  # standards
# per group in key order: records, then met, not met, not applicable, not observed per standard
c += struct.pack("<5q", 3, 2, 1, 0, 0)
c += struct.pack("<5q", 2, 1, 0, 0, 1)
(out / "compliance_v1.bin").write_bytes(bytes(c))
print(len(c), "bytes")

# Time elements (SSTIMES1): waiting <= 5 on 1 4 5 6 10, ungrouped; once exact (cap 100000), once
# as a histogram (cap 2): buckets ceil(log x / log g), g = (1 + a) / (1 - a), a = 0.005
import math  # noqa: E402

tcfg = json.dumps({"targets": [{"element": "waiting", "column": "wait", "target": 5}]}).encode()
durations = [1.0, 4.0, 5.0, 6.0, 10.0]
for name, cap in (("time_v1.bin", 100000), ("time_v1_histogram.bin", 2)):
    t = bytearray(b"SSTIMES1") + struct.pack("<I", len(tcfg)) + tcfg + struct.pack("<qd", cap, 0.005)
    t += b"SSGK" + struct.pack("<II", 1, 0) + struct.pack("<I", 1)  # width 0, one (empty) key
    t += struct.pack("<I", 1) + struct.pack("<q", 5)  # elements, records
    t += struct.pack("<qqqB", 5, 0, 3, 0 if cap > 5 else 1)  # n, missing, attained, mode
    if cap > 5:
        t += struct.pack("<5d", *durations)
    else:
        lg = math.log(1.005 / 0.995)
        buckets = sorted({math.ceil(math.log(x) / lg) for x in durations})
        t += struct.pack("<ddqI", 26.0, 6.0, 0, len(buckets))
        for b in buckets:
            t += struct.pack("<iq", b, 1)
    (out / name).write_bytes(bytes(t))
    print(name, len(t), "bytes")
