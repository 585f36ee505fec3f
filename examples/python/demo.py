"""The demo: the main job on the bundled sample data, with a readable summary."""

import pandas as pd
import servscore as ss

pd.set_option("display.width", 120)
data = ss.datasets.sample(seed=2026)
scored = ss.score_encounters(data.encounters, workers=0)
overall = ss.summarize_encounters(scored)
by_branch = ss.summarize_encounters(scored, by="branch")

print(f"servscore {ss.__version__} - service-encounter quadrants on the sample data")
print(overall._summary_lines()[0])
print()
print("Quadrant shares by branch (%):")
shares = by_branch.table[[f"share_{q}" for q in ("quality", "friendly", "factory", "freezer", "unknown")]] * 100
shares.columns = [c.replace("share_", "") for c in shares.columns]
print(shares.round(1).to_string())
print()
print("Mean scores (0-100):")
print(by_branch.table[["mean_procedural", "mean_personal"]].round(1).to_string())
print()
print("What pulls each branch out of the quality quadrant (share of its non-quality encounters):")
for branch, g in by_branch.top_pullers.groupby("group", sort=True):
    items = ", ".join(f"{r.indicator} {100 * r.share:.0f}%" for r in g.itertuples())
    print(f"  {branch:<10} {items}")
