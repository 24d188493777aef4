"""Regenerate the old-state fixture (run by hand when cutting a release, never by tests).

    .venv/bin/python tests/upgrade/make_fixture.py v0.1.0

It runs `up` for the stack in fixtures/stack.yaml against the deterministic seed below and
stores the exported state and the stack's config (for the passphrase salt) under
fixtures/<version>/. Upgrade tests import that state into a fresh backend and expect the
current code to show no diff.
"""

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

from webex_emulator.testing import EmulatorServer  # noqa: E402
from harness import WebexStack  # noqa: E402

SEED = HERE / "fixtures" / "seed.json"


def main(version: str) -> None:
    out = HERE / "fixtures" / version
    out.mkdir(parents=True, exist_ok=True)
    with EmulatorServer(seed=json.loads(SEED.read_text()), admin_token="upgrade-fixture-token") as emu:
        root = Path(tempfile.mkdtemp())
        st = WebexStack(root, emu, name="upgrade")
        st.stack_file.write_text((HERE / "fixtures" / "stack.yaml").read_text())
        st.up()
        (out / "state.json").write_text(st.export(show_secrets=False))
        shutil.copy(root / "stacks" / "Pulumi.upgrade.yaml", out / "Pulumi.upgrade.yaml")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1])
