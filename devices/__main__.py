"""python -m devices: the same as sandbox-device."""

import sys

from devices.cli import main

sys.exit(main())
