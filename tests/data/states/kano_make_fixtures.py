"""Old-format Kano state fixtures, written by the package as it was before SSKANO2 (commit 0bfdea3)."""

from pathlib import Path

import numpy as np
import pandas as pd
import servscore as ss

out = Path("tests/data/states")
# hand-written answers: 8 respondents, 2 attributes, segments a / b / missing; NaN = not answered
wide = pd.DataFrame(
    {
        "wifi_f": [1, 1, 2, 3, 1, np.nan, 5, 1],
        "wifi_d": [4, 5, 5, 3, 1, 3, 1, 5],
        "parking_f": [2, 2, 1, 3, 3, 2, 1, 4],
        "parking_d": [5, 5, 2, 3, 4, 5, 5, 5],
        "segment": ["a", "b", "a", None, "b", "a", "b", "a"],
    }
)
acc = ss.kano.Accumulator(by="segment").update(wide)
(out / "kano_sskanopy1_segment.bin").write_bytes(acc.to_bytes())
acc.result().table.reset_index().to_csv(out / "kano_sskanopy1_segment.csv", index=False)
# two key columns (tuple keys, an integer column), the 3-level table, a later long chunk adding an attribute
w3 = pd.DataFrame(
    {"tv_f": [1, 2, 3, 1], "tv_d": [3, 3, 1, 2], "region": ["n", "s", "n", "n"], "year": [2024, 2024, 2025, 2024]}
)
acc2 = ss.kano.Accumulator(by=["region", "year"], table="short").update(w3)
long = pd.DataFrame(
    {
        "respondent": [9, 9],
        "attribute": ["tv", "bar"],
        "functional": [1, 2],
        "dysfunctional": [3, 3],
        "region": ["s", "s"],
        "year": [2025, 2025],
    }
)
acc2.update(long)
(out / "kano_sskanopy1_two_keys.bin").write_bytes(acc2.to_bytes())
acc2.result().table.reset_index().to_csv(out / "kano_sskanopy1_two_keys.csv", index=False)
# the C++ state, version 1: 2 integer groups x 2 attributes, 5 levels
s = ss._core.KanoState(2, 2, 5)
f = np.array([[1, 2], [1, 3], [2, 0], [5, 1]], dtype=np.int8)
d = np.array([[5, 5], [4, 3], [5, 5], [1, 5]], dtype=np.int8)
s.update(f, d, np.array([0, 1, 1, 0], dtype=np.int32))
(out / "kano_sskano1.bin").write_bytes(s.to_bytes())
np.savetxt(out / "kano_sskano1_counts.txt", s.counts, fmt="%d")
print(acc, acc2, s.counts.sum())
