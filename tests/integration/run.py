"""Integration suite: pbxtop's batch commands against the simulator."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pylib import runner  # noqa: E402

sys.exit(runner.main("integration", os.path.dirname(os.path.abspath(__file__))))
