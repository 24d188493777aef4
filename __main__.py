"""The Pulumi program of this project: declares the stack's Webex org from stacks/<stack>.yaml.

`make up` runs it through the Automation API (webex_iac/engine.py); a Pulumi CLI with its Python
language host runs it as `pulumi up` too.
"""
from pathlib import Path

from webex_iac.program import declare_stack

declare_stack(Path(__file__).resolve().parent)
