import os
import sys

# Check every traced graph, and the graph after every simplification pass, against the
# primitives' rules (Graph.verify); a malformed graph fails the test that made it.
os.environ.setdefault("AXCOMP_VERIFY", "1")

# Run against the checkout (the grammar loader also handles an installed wheel).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
