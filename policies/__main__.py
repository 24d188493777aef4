"""Entry point of the webex-iac policy pack (started by ``run-policy-pack``; serves until killed)."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # webex_policy/, then webex_client & resources

from webex_policy import serve  # noqa: E402

serve()
