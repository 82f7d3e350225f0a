"""``python -m hotspots``: the command line (see ``cli/``)."""

import sys

from cli.main import main

sys.exit(main())
