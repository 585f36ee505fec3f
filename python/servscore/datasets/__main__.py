"""``python -m servscore.datasets DIR [SEED]`` writes every sample table as CSV into DIR."""

import sys

from . import export

if len(sys.argv) < 2:
    print("usage: python -m servscore.datasets DIR [SEED]", file=sys.stderr)
    sys.exit(2)
for path in export(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2026):
    print(path)
