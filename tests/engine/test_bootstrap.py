"""tools/pulumi/bootstrap.sh picks a complete Pulumi bundle or says how to get one (no builds here)."""

import os
import subprocess
from pathlib import Path

from webex_iac import engine

SCRIPT = engine.REPO_ROOT / "tools" / "pulumi" / "bootstrap.sh"


def _bootstrap(path_dirs: list[Path], cache: Path) -> subprocess.CompletedProcess:
    # No Go on this PATH: the script can use what it finds, but never build.
    env = {
        "HOME": os.environ["HOME"],
        "PATH": os.pathsep.join([*map(str, path_dirs), "/usr/bin", "/bin"]),
        "WEBEX_IAC_CACHE": str(cache),
    }
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_a_pulumi_on_path_without_its_language_host_is_incomplete(pulumi_bin, tmp_path):
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "pulumi").symlink_to(pulumi_bin / "pulumi")
    r = _bootstrap([lone], tmp_path / "cache")
    print(r.stderr)
    assert r.returncode == 2
    assert "is incomplete: no pulumi-language-python beside it" in r.stderr
    assert "install the Pulumi CLI" in r.stderr and "install Go" in r.stderr
    assert not (tmp_path / "cache" / f"pulumi-{engine.PULUMI_VERSION}" / "bin" / "pulumi").exists()


def test_a_complete_pulumi_on_path_is_used_with_its_whole_bundle(pulumi_bin, tmp_path):
    r = _bootstrap([pulumi_bin], tmp_path / "cache")
    print(r.stderr)
    assert r.returncode == 0, r.stderr
    bin_dir = Path(r.stdout.strip().splitlines()[-1])
    assert bin_dir == tmp_path / "cache" / f"pulumi-{engine.PULUMI_VERSION}" / "bin"
    for name in engine.BUNDLE:
        assert (bin_dir / name).resolve() == (pulumi_bin / name).resolve(), name
