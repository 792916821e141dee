"""``python -m assistant_core``: see :mod:`assistant_core.cli`."""

import sys

from assistant_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
