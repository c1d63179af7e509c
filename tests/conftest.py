import os
import sys

# Run against the checkout (the grammar loader also handles an installed wheel).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
