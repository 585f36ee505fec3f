"""Score the encounters of a CSV file and print the quadrant counts (same output as examples/cpp)."""

import sys

import pandas as pd
import servscore as ss

path = sys.argv[1] if len(sys.argv) > 1 else "../data/encounters.csv"
scored = ss.score_encounters(pd.read_csv(path))
summary = ss.summarize_encounters(scored)
row = summary.table.iloc[0]
print("quadrant counts: " + " ".join(f"{q}={int(row[q])}" for q in ss.Quadrant.names()))
print(f"mean procedural {row['mean_procedural']:.6g}, mean personal {row['mean_personal']:.6g}")
