"""``python -m tests.benchmarks.load``: see run.py."""

import sys

from tests.benchmarks.load.run import main

if __name__ == "__main__":
    sys.exit(main())
