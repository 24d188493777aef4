"""The tiny project's program: one Tiny resource whose value and store come from stack config."""

import pulumi

from tiny_resource import Tiny

config = pulumi.Config("tiny")
t = Tiny("tiny", config.require("value"), config.require("store"))
pulumi.export("tokenLength", t.tokenLength)
pulumi.export("value", t.value)
