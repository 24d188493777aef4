"""webex-iac: a Cisco Webex organization as reconciled Pulumi resources."""

__version__ = "0.1.0"
