# Writes tests/data/states/interactions_v1.bin: an interaction risk and cue rates state
# (SSIRATE1) written field by field from the documented layout (include/servscore/interactions.hpp,
# InteractionRatesState; docs/interchange.md), not by servscore, with hand-made counts.
#
#     .venv/bin/python tests/data/states/interactions_make_fixtures.py tests/data/states
import json
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
cfg = json.dumps({"cues": ["greeting", "time_pressure"]}).encode()
b = bytearray(b"SSIRATE1") + struct.pack("<I", len(cfg)) + cfg
# GroupKeys image: "SSGK", u32 version 1, u32 width, names, u32 size, values (tag 3: string)
b += b"SSGK" + struct.pack("<II", 1, 1) + struct.pack("<I", 6) + b"branch" + struct.pack("<I", 2)
for key in (b"south", b"north"):  # stored in any order; read back in key order
    b += struct.pack("<BI", 3, len(key)) + key
b += struct.pack("<I", 2 + 14 + 2 * 2)  # cells a group
# LostSaleReason order: disinterest 0, making_a_mistake 1, ..., arguing 4, ..., being_hurried 8,
# ..., wasting_time 12, getting_too_personal 13


def group(interactions, texts, flagged, cue_texts, cue_hits):
    flags = [flagged.get(k, 0) for k in range(14)]
    return struct.pack("<20q", interactions, texts, *flags, *cue_texts, *cue_hits)


# groups in key order (north, south), whatever the order of the keys above
# north: 2 interactions, both with a text; being_hurried 1; greeting in 1 text (1 hit), no
# time_pressure
b += group(2, 2, {8: 1}, [1, 0], [1, 0])
# south: 4 interactions, 3 with a text; arguing 2, wasting_time 1; greeting in 3 texts (5 hits),
# time_pressure in 1 (1 hit)
b += group(4, 3, {4: 2, 12: 1}, [3, 1], [5, 1])
(out / "interactions_v1.bin").write_bytes(bytes(b))
print(len(b), "bytes")
