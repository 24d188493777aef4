"""Suite-wide: show which Pulumi engine the end-to-end tests run on; hold every request the
suite makes to the Webex request contract (tests/contract_check.py)."""

from tests.contract_check import no_request_contract_violations  # noqa: F401  (session fixture)
from webex_iac import engine


def pytest_report_header(config):
    try:
        bin_dir = engine.find_pulumi_bin_dir()
        return f"engine: pulumi {engine.pulumi_version(bin_dir)} ({bin_dir})"
    except Exception as e:  # the engine tests themselves fail with the reason
        return f"engine: not available ({e})"
