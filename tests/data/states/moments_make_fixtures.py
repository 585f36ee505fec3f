# Writes tests/data/states/moments_of_truth_v1.bin: a moments-of-truth state (SSMOMTS1) written
# field by field from the documented layout (include/servscore/standards.hpp, MomentsState;
# docs/interchange.md), not by servscore, with hand-chosen counts.
#
#     .venv/bin/python tests/data/states/moments_make_fixtures.py tests/data/states
import json
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
cfg = json.dumps({"fail_at": 2}).encode()
b = bytearray(b"SSMOMTS1") + struct.pack("<I", len(cfg)) + cfg
# the groups: GroupKeys "SSGK", u32 version 1, u32 width 0, u32 size 1 (the empty key)
b += b"SSGK" + struct.pack("<III", 1, 0, 1)
b += struct.pack("<I", 4) + struct.pack("<4q", 4, 1, 2, 1)  # rows, missing, scored visits, bad endings
# the cells: GroupKeys over ["moment"], keys pay and park (stored in any order), u32 5, u32 1
b += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"moment" + struct.pack("<I", 2)
for key in (b"pay", b"park"):
    b += struct.pack("<BI", 3, len(key)) + key
b += struct.pack("<II", 5, 1)
# per cell in key order: rows, n, failed, weakest, position sum; score sum
b += struct.pack("<5qd", 2, 2, 0, 1, 0, 9.0)  # park: first of both visits, 5 and 4; weakest of visit 2
b += struct.pack("<5qd", 2, 1, 1, 1, 1, 2.0)  # pay: second of visit 1 (2, its weakest), missing in visit 2
(out / "moments_of_truth_v1.bin").write_bytes(bytes(b))
print(len(b), "bytes")
