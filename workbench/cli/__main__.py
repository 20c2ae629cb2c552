"""``python -m workbench.cli``: the ``privacy-workbench`` command."""

import sys

from workbench.cli import main

sys.exit(main())
