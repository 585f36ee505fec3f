# Writes tests/data/states/lifecycle_v1.bin: a lifecycle stage-index state (SSLIFEC1) written field
# by field from the documented layout (include/servscore/lifecycle.hpp, LifecycleState;
# docs/interchange.md), not by servscore, with hand-computed counts, means and M2.
#
#     .venv/bin/python tests/data/states/lifecycle_make_fixtures.py tests/data/states
import json
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
cfg = json.dumps(
    {
        "touchpoints": [
            {"name": "info", "stage": "warm_handshake", "importance": 1},
            {"name": "repair", "stage": "caring", "importance": 1},
        ]
    }
).encode()
b = bytearray(b"SSLIFEC1") + struct.pack("<I", len(cfg)) + cfg
# GroupKeys image: "SSGK", u32 version 1, u32 width, names, u32 size, values (tag 3: string)
b += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"branch" + struct.pack("<I", 2)
for key in (b"south", b"north"):  # stored in any order; read back in key order
    b += struct.pack("<BI", 3, len(key)) + key
b += struct.pack("<II", 17, 16)  # integer and real cells a group
# stages in LifecycleStage order: warm_handshake 0, ..., caring 4, ...


def group(respondents, n, missing, mean, m2):
    ints = [respondents] + [n.get(s, 0) for s in range(8)] + [missing.get(s, 0) for s in range(8)]
    reals = [mean.get(s, 0.0) for s in range(8)] + [m2.get(s, 0.0) for s in range(8)]
    return struct.pack("<17q", *ints) + struct.pack("<16d", *reals)


# north: warm_handshake 50 (one score) and one missing; caring 25, 100 (mean 62.5, M2 2 x 37.5^2)
b += group(2, {0: 1, 4: 2}, {0: 1}, {0: 50.0, 4: 62.5}, {4: 2812.5})
# south: warm_handshake 100, 75, 0 (mean 175/3, M2 16250/3); caring 0, 50, 75 (125/3, 8750/3)
b += group(3, {0: 3, 4: 3}, {}, {0: 175 / 3, 4: 125 / 3}, {0: 16250 / 3, 4: 8750 / 3})
(out / "lifecycle_v1.bin").write_bytes(bytes(b))
print(len(b), "bytes")
