# Writes tests/data/states/loyalty_v1.bin: a loyalty-segment state (SSLOYAL1) written field by
# field from the documented layout (include/servscore/loyalty.hpp, LoyaltyState;
# docs/interchange.md), not by servscore, with hand-chosen counts.
#
#     .venv/bin/python tests/data/states/loyalty_make_fixtures.py tests/data/states
import json
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
cfg = json.dumps({"satisfaction_threshold": 5, "loyalty_threshold": 5}).encode()
b = bytearray(b"SSLOYAL1") + struct.pack("<I", len(cfg)) + cfg
# GroupKeys image: "SSGK", u32 version 1, u32 width, names, u32 size, values (tag 3: string)
b += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"branch" + struct.pack("<I", 2)
for key in (b"south", b"north"):  # stored in any order; read back in key order
    b += struct.pack("<BI", 3, len(key)) + key
b += struct.pack("<I", 9)  # counts a group
# per group in key order: customers, apostle, mercenary, hostage, defector, terrorist, unknown,
# advocates, refined
b += struct.pack("<9q", 4, 2, 0, 1, 0, 0, 1, 1, 0)  # north
b += struct.pack("<9q", 3, 0, 0, 0, 1, 2, 0, 0, 3)  # south
(out / "loyalty_v1.bin").write_bytes(bytes(b))
print(len(b), "bytes")
