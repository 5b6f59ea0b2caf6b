"""Loaded by kernels started by the notebook tests (PYTHONPATH): blocks non-loopback connections."""

import os
import sys

if os.environ.get("LER_BLOCK_NETWORK") == "1":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import netguard

    netguard.install()
