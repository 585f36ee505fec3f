# Writes tests/data/states/<kind>_v1.bin with the package installed in .venv (the format before issue 13).
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import servscore as ss

out = Path(sys.argv[1])
# Moments: 3 variables, 6 rows (one with a NaN), listwise
x = np.array([[1, 2, 3], [2, 2, 4], [4, 1, 5], [5, 3, 3], [3, 3, np.nan], [1, 5, 2]], dtype=float)
m = ss.Moments(pd.DataFrame(x, columns=["a", "b", "c"]))
(out / "moments_v1.bin").write_bytes(m.to_bytes())
a = ss.AlphaAccumulator().update(pd.DataFrame(x, columns=["a", "b", "c"]))
(out / "alpha_v1.bin").write_bytes(a.to_bytes())
# NPS: groups north (10,10,9,7,3), south (0,6,8,NaN), missing key (10)
df = pd.DataFrame({"nps": [10, 10, 9, 7, 3, 0, 6, 8, np.nan, 10], "branch": ["north"] * 5 + ["south"] * 4 + [None]})
r = ss.ResponseAccumulator("nps").update(df, by="branch")
(out / "nps_v1.bin").write_bytes(r.to_bytes())
r0 = ss.ResponseAccumulator("csat").update([5, 4, 4, 3, 1, 2, np.nan])
(out / "csat_v1.bin").write_bytes(r0.to_bytes())
# SERVQUAL / ZOT on a 2-item, 2-dimension map
dims = {"q1": "reliability", "q2": "empathy"}
e = pd.DataFrame({"q1": [6, 7, 5], "q2": [5, 5, 6]})
p = pd.DataFrame({"q1": [5, 7, 6], "q2": [3, 4, 6]})
s = ss.ServqualAccumulator(dims).update(e, p)
(out / "servqual_v1.bin").write_bytes(s.to_bytes())
z = ss.ZotAccumulator(dims).update(
    {"q1": [5, 4], "q2": [3, 6]}, {"q1": [8, 8], "q2": [7, 8]}, {"q1": [6, 9], "q2": [2, 7]}
)
(out / "zot_v1.bin").write_bytes(z.to_bytes())
print(m.n, m.mean.round(6).to_dict())
print(round(a.result().alpha, 10))
print(r.result().table[["n", "n_missing", "promoters", "detractors", "nps"]])
print(r0.result().table[["n", "n_missing", "top", "bottom", "mean"]])
print(s.result().dimensions if hasattr(s.result(), "dimensions") else s.result())
print(z.result().dimensions)
