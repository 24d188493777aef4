"""Bad arguments and an unreachable org: a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from webex_iac import engine


def _closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more
    return f"http://127.0.0.1:{port}/v1"


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def test_unreachable_org_fails_fast_with_exit_1_and_names_the_url(run, project):
    url = _closed_port_url()
    for cmd in (["discover"], ["migration-report", "--target-site", "acme.webex.com"]):
        t = time.monotonic()
        result = run(*cmd, "--stack", "prod", "--base-url", url, "--project-dir", str(project), token="any-token")
        assert result.exit_code == 1, result.output
        assert f"cannot reach the Webex API at {url}" in result.stderr
        assert time.monotonic() - t < 30  # not minutes of retry backoff
        _no_traceback(result)
    assert not (project / "stacks").exists()


def test_rejected_token_exits_1_saying_where_the_token_came_from(emu, run, project):
    result = run(
        "discover", "--stack", "prod", "--base-url", emu.base_url, "--project-dir", str(project), token="not-a-valid-token"
    )
    assert result.exit_code == 1
    assert "rejected the token from WEBEX_ACCESS_TOKEN (401)" in result.stderr
    assert "not-a-valid-token" not in result.output  # the token itself is never printed
    _no_traceback(result)


def test_missing_credentials_exit_1_naming_both_ways_to_give_a_token(run, project):
    result = run("discover", "--stack", "prod", "--base-url", "https://webexapis.com/v1", "--project-dir", str(project))
    assert result.exit_code == 1
    assert "WEBEX_ACCESS_TOKEN" in result.stderr and "pulumi config set --secret webex:token" in result.stderr
    _no_traceback(result)


def test_token_is_never_taken_from_the_command_line(run, project):
    result = run("discover", "--stack", "prod", "--token", "abc", "--project-dir", str(project))
    assert result.exit_code == 2 and "No such option '--token'" in result.stderr


def test_bad_arguments_are_usage_errors_with_exit_2(run, project, tmp_path):
    cases = [
        (["discover", "--stack", "bad name!"], "is not a stack name"),
        (["discover", "--stack", "prod", "--base-url", "http://example.com/v1"], "plain http://"),
        (["discover", "--stack", "prod", "--base-url", "ftp://x"], "--base-url"),
        (["discover", "--stack", "prod", "--out", str(tmp_path)], "is a directory"),
        (["discover", "--stack", "prod", "--max-host-scans", "-1"], "--max-host-scans"),
        (["migration-report", "--stack", "prod", "--target-site", "not a site"], "is not a site URL"),
        (["migration-report", "--stack", "prod"], "Missing option '--target-site'"),
    ]
    for args, message in cases:
        result = run(*args, "--project-dir", str(project), token="t")
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        _no_traceback(result)


def test_unknown_target_site_is_a_usage_error_listing_the_org_sites(emu, run, project):
    result = run(
        "migration-report",
        "--stack",
        "prod",
        "--target-site",
        "nope.webex.com",
        "--base-url",
        emu.base_url,
        "--project-dir",
        str(project),
        "--requests-per-second",
        "0",
        token=emu.admin_token,
    )
    assert result.exit_code == 2
    assert "nope.webex.com is not a meeting site of this org (sites: acme-classic.webex.com, acme.webex.com)" in result.stderr
    _no_traceback(result)


def test_write_without_a_stack_file_and_an_invalid_stack_file_exit_1(emu, run, project):
    common = ("--stack", "prod", "--target-site", "acme.webex.com", "--base-url", emu.base_url, "--project-dir", str(project))
    result = run("migration-report", *common, "--write", token=emu.admin_token)
    assert result.exit_code == 1 and "run `webex-iac discover --stack prod` first" in result.stderr
    (project / "stacks").mkdir()
    (project / "stacks" / "prod.yaml").write_text("licenses:\n  Bad_Name:\n    pools: []\n")
    for cmd in (["migration-report", *common], ["discover", *common[:2], *common[4:]]):
        result = run(*cmd, token=emu.admin_token)
        assert result.exit_code == 1, result.output
        assert "prod.yaml" in result.stderr
        _no_traceback(result)


def test_the_installed_command_exits_nonzero_without_a_traceback(project):
    """The real console entry (python -m webex_iac), not the in-process runner."""
    env = {k: v for k, v in os.environ.items() if k not in ("WEBEX_TOKEN", "WEBEX_ACCESS_TOKEN")}
    env["WEBEX_ACCESS_TOKEN"] = "t"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "webex_iac",
            "discover",
            "--stack",
            "prod",
            "--base-url",
            _closed_port_url(),
            "--project-dir",
            str(project),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=engine.REPO_ROOT,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Error: cannot reach the Webex API" in proc.stderr and "Traceback" not in proc.stderr
