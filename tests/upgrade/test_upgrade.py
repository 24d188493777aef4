"""Upgrades: state written by an earlier release shows no diff under the current code.

Providers are pickled by reference (module + class name) into state, so a release must keep
them importable and keep reading the inputs and outputs it wrote before. The fixtures were
produced by `tests/upgrade/make_fixture.py <version>` against a deterministic seed.
"""

import json
import shutil
import subprocess
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

from webex_emulator.testing import EmulatorServer  # noqa: E402
from harness import WebexStack  # noqa: E402
from webex_iac import engine  # noqa: E402

VERSIONS = sorted(p.name for p in (HERE / "fixtures").iterdir() if p.is_dir())


@pytest.mark.parametrize("version", VERSIONS)
def test_state_from_an_earlier_release_shows_no_diff(version, tmp_path):
    fixture = HERE / "fixtures" / version
    seed = json.loads((HERE / "fixtures" / "seed.json").read_text())
    # The site settings the old release applied are seeded: the API's commonSettings PATCH takes
    # no siteUrl (spec) and changes the caller's default site, and this org's admin has none.
    site_a = next(s for s in seed["orgs"][0]["sites"] if s["siteUrl"] == "a.webex.com")
    site_a["commonSettings"] = {"securityOptions": {"requireStrongPassword": True}}
    with EmulatorServer(seed=seed, admin_token="upgrade-fixture-token") as emu:
        root = tmp_path / "project"
        (root / "stacks").mkdir(parents=True)
        # The old stack's config (its passphrase salt and encrypted token) comes along.
        shutil.copy(fixture / "Pulumi.upgrade.yaml", root / "stacks" / "Pulumi.upgrade.yaml")
        st = WebexStack(root, emu, name="upgrade", token="upgrade-fixture-token")
        st.stack_file.write_text((HERE / "fixtures" / "stack.yaml").read_text())
        state = json.loads((fixture / "state.json").read_text())
        # The fixture's emulator listened elsewhere; a real org's URL does not move.
        for res in state["deployment"]["resources"]:
            if res["type"] == "pulumi:providers:pulumi-python":
                res["inputs"]["webex:baseUrl"] = res["outputs"]["webex:baseUrl"] = emu.base_url
        state_file = tmp_path / "state.json"
        state_file.write_text(json.dumps(state))
        env = {**os.environ, **st.settings.env("upgrade")}
        subprocess.run(
            [str(engine.find_pulumi_bin_dir() / "pulumi"), "stack", "import", "--stack", "upgrade", "--file", str(state_file)],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        # Seeding the same org and applying what the old release applied puts the org where
        # the old state left it.
        emu_pool = emu.seed_summary["orgs"][0]["licenses"]["pool-a"]
        c = emu.client()
        for n in range(4, 11):
            assert (
                c.patch(
                    f"{emu.base_url}/licenses/users",
                    json={"email": f"user{n:02d}@up.example.com", "licenses": [{"id": emu_pool, "operation": "remove"}]},
                ).status_code
                == 200
            )
        assert (
            c.patch(
                f"{emu.base_url}/licenses/users",
                json={"email": "user11@up.example.com", "licenses": [{"id": emu_pool, "operation": "add"}]},
            ).status_code
            == 200
        )
        st.preview(expect_no_changes=True)
        # refresh runs the providers unpickled from the old state (pickled by reference).
        refreshed = st.refresh()
        assert refreshed.summary.result == "succeeded"
        st.preview(expect_no_changes=True)
