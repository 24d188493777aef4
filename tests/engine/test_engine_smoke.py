"""The real Pulumi engine, offline: up, preview, refresh, destroy and a policy pack.

These run the CLI bundle that `make bootstrap` built (or found on PATH) against a file://
backend in a temporary directory, with a tiny dynamic resource, before any Webex resource is
involved. The program is a local one: the CLI starts Pulumi's Python language host on the
project's __main__.py, and the policy pack directory through the same host.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from pulumi import automation as auto

from webex_iac import engine

STAND_IN_TOKEN = "stand-in-token-5f1c9e0a7b"  # what a Webex token would be; must never reach state


def _settings(project: Path, tmp: Path) -> engine.EngineSettings:
    return engine.EngineSettings(
        project_dir=project,
        backend_url=(tmp / "backend").as_uri(),
        pulumi_home=tmp / "home",
        extra_env={"PULUMI_CONFIG_PASSPHRASE": "smoke-test-passphrase"},
    )


def _stack(name: str, project: Path, tmp: Path, value: str, store: Path):
    stack = engine.open_stack(name, settings=_settings(project, tmp))
    stack.set_config("tiny:value", auto.ConfigValue(value))
    stack.set_config("tiny:store", auto.ConfigValue(str(store)))
    return stack


def test_engine_is_a_complete_bundle_of_the_pinned_or_path_version(pulumi_bin):
    version = engine.pulumi_version(pulumi_bin)
    print(f"engine: pulumi {version} at {pulumi_bin}")
    major, minor, patch = (int(x) for x in version.lstrip("v").split("-")[0].split("."))
    assert (major, minor, patch) >= engine.MIN_PULUMI_VERSION
    # The language host, its exec shim and the dynamic-provider plugin script sit beside it.
    host = subprocess.run(
        [str(pulumi_bin / "pulumi-language-python"), "-version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"language host: pulumi-language-python {host}")
    assert host.startswith("v3.")
    for name in engine.BUNDLE:
        assert os.access(pulumi_bin / name, os.X_OK), name


def test_up_preview_refresh_destroy_of_a_local_program_through_the_language_host(tiny_project, tmp_path, pulumi_bin):
    store = tmp_path / "remote" / "tiny.json"
    store.parent.mkdir()
    stack = _stack("smoke", tiny_project, tmp_path, "v1", store)
    stack.set_config("tiny:token", auto.ConfigValue(STAND_IN_TOKEN, secret=True))

    up = stack.up(on_output=print)
    assert up.summary.result == "succeeded"
    # configure() saw the secret at run time: the provider used it without keeping it.
    assert up.outputs["tokenLength"].value == len(STAND_IN_TOKEN)
    assert json.loads(store.read_text())["value"] == "v1"

    # A second preview of the same program is clean (raises on any change).
    stack.preview(expect_no_changes=True, on_output=print)

    # Drift outside Pulumi shows after refresh.
    store.write_text(json.dumps({"value": "changed-behind-our-back", "tokenLength": 0}))
    refreshed = stack.refresh(on_output=print)
    assert refreshed.summary.resource_changes.get("update") == 1
    outputs = stack.export_stack().deployment["resources"][-1]["outputs"]
    assert outputs["value"] == "changed-behind-our-back"

    # up puts it back.
    stack.up(on_output=print)
    assert json.loads(store.read_text())["value"] == "v1"

    # The token is nowhere in plaintext: not in the export, not in any backend file,
    # not in the stack config file.
    export = subprocess.run(
        [str(pulumi_bin / "pulumi"), "stack", "export", "--show-secrets=false", "--stack", "smoke"],
        cwd=tiny_project,
        env={**os.environ, **_settings(tiny_project, tmp_path).env("smoke")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "resources" in export and STAND_IN_TOKEN not in export
    backend_files = [p for p in (tmp_path / "backend").rglob("*") if p.is_file()]
    assert backend_files, "the file backend holds the stack"
    for p in backend_files + list(tiny_project.glob("Pulumi.*.yaml")):
        assert STAND_IN_TOKEN.encode() not in p.read_bytes(), p

    destroyed = stack.destroy(on_output=print)
    assert destroyed.summary.resource_changes.get("delete") == 2
    assert not store.exists()


def test_a_policy_pack_directory_runs_on_the_language_host_and_reports_a_violation(tiny_project, tmp_path, pulumi_bin):
    store = tmp_path / "remote" / "tiny.json"
    store.parent.mkdir()
    pack = str(tiny_project / "policy")

    clean = _stack("policy", tiny_project, tmp_path, "fine", store)
    result = clean.preview(policy_packs=[pack], on_output=print)
    assert "tiny-policy" in result.stdout and "no-forbidden-value" not in result.stdout

    bad = _stack("policy", tiny_project, tmp_path, "forbidden", store)
    with pytest.raises(auto.errors.CommandError) as err:
        bad.preview(policy_packs=[pack], on_output=print)
    assert "no-forbidden-value" in str(err.value)
    assert "tiny: value 'forbidden' is not allowed" in str(err.value)
