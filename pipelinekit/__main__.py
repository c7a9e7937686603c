"""``python -m pipelinekit`` runs the command line."""

import sys

from pipelinekit.cli import main

sys.exit(main())
