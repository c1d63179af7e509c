"""``python -m axcomp`` runs the command line."""

import sys

from .cli import main

if __name__ == "__main__":  # importing the module (as the API reference's build does) runs nothing
    sys.exit(main())
