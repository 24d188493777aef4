"""The Pulumi program of this project: declares the stack's Webex org from stacks/<stack>.yaml.

`pulumi up` in this directory runs it through Pulumi's Python language host, in the virtualenv
Pulumi.yaml names (.venv); `make up` and the `webex-iac` commands run it the same way.
"""

from pathlib import Path

from webex_iac.program import declare_stack

declare_stack(Path(__file__).resolve().parent)
