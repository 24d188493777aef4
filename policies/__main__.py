"""Entry point of the webex-iac policy pack.

The engine runs it through Pulumi's Python language host (`python -u -m pulumi.policy <engine
address> <this directory>`, in the virtualenv PulumiPolicy.yaml names), whatever the pack is
called on the command line (`policies`, `./policies`, an absolute path): one entry point, one
config (config.json beside this file). It serves until the engine stops it, or dies.
"""

import os
import sys
from pathlib import Path

# Not resolved: the project is the directory holding the pack, even through a symlink.
HERE = Path(os.path.abspath(__file__)).parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # webex_policy/, then the project's webex_client & resources

from webex_policy import serve  # noqa: E402

serve()
