# Writes tests/data/states/needs_v1.bin: an anticipated-needs state (SSNEEDS1) written field by
# field from the documented layout (include/servscore/needs.hpp, NeedsState; docs/interchange.md),
# not by servscore, with hand-chosen counts.
#
#     .venv/bin/python tests/data/states/needs_make_fixtures.py tests/data/states
import json
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
rules = {
    "rules": [
        {
            "id": "long_wait",
            "when": {"field": "wait", "op": ">=", "value": 10},
            "needs": ["timely_service"],
            "actions": ["thank them"],
        }
    ]
}
rs = json.dumps(rules).encode()
b = bytearray(b"SSNEEDS1") + struct.pack("<I", len(rs)) + rs
# GroupKeys image: "SSGK", u32 version 1, u32 width, names, u32 size, values (tag 3: string)
b += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"branch" + struct.pack("<I", 2)
for key in (b"south", b"north"):  # stored in any order; read back in key order
    b += struct.pack("<BI", 3, len(key)) + key
# W = 2 + R + 10 + A + 2 F = 2 + 1 + 10 + 1 + 2 = 16 counts a group
b += struct.pack("<I", 16)
needs = [0] * 10
# north: 4 interactions, the long wait fired on 3 (timely_service index 1), wait missing on 1 of 4
north_needs = list(needs)
north_needs[1] = 3
b += struct.pack("<16q", 4, 3, 3, *north_needs, 3, 1, 4)
# south: 2 interactions, none fired, no missing
b += struct.pack("<16q", 2, 0, 0, *needs, 0, 0, 2)
(out / "needs_v1.bin").write_bytes(bytes(b))
print(len(b), "bytes")
