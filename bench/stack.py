"""A throwaway project + stack driven through the Automation API, with the emulator's counters."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pulumi import automation as auto
from pulumi.automation.errors import CommandError

from webex_iac import engine

from .procmon import ProviderMemory

PASSPHRASE = "bench-passphrase"
WRITES = ("POST /v1/", "PUT /v1/", "PATCH /v1/", "DELETE /v1/")
PATCH_KEY = "PATCH /v1/licenses/users"


@dataclass
class Run:
    """One engine operation: what it cost and what the emulator saw."""

    op: str
    seconds: float
    calls: int
    counts: dict[str, int]
    by_status: dict[str, dict[str, int]]
    provider_peak_mb: float | None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def patches(self) -> int:
        return self.counts.get(PATCH_KEY, 0)

    @property
    def patches_ok(self) -> int:
        return sum(n for s, n in self.by_status.get(PATCH_KEY, {}).items() if s.startswith("2"))

    @property
    def throttled(self) -> int:
        return sum(st.get("429", 0) for st in self.by_status.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "seconds": round(self.seconds, 2),
            "apiCalls": self.calls,
            "counts": self.counts,
            "byStatus": self.by_status,
            "patches": self.patches,
            "patchesOk": self.patches_ok,
            "answered429": self.throttled,
            "providerPeakRssMB": self.provider_peak_mb,
            **self.summary,
        }


class BenchStack:
    def __init__(
        self,
        root: Path,
        emu,
        program: Callable[[], None],
        name: str = "bench",
        config: dict[str, str] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.root, self.emu, self.name = root, emu, name
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        (root / "Pulumi.yaml").write_text("name: webex-iac\nruntime:\n  name: python\nstackConfigDir: stacks\n")
        backend_url = (root / ".pulumi-state").as_uri()
        settings = engine.EngineSettings(
            project_dir=root,
            backend_url=backend_url,
            pulumi_home=root / ".pulumi-home",
            extra_env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **(extra_env or {})},
        )
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": backend_url,
            "PULUMI_HOME": str(settings.pulumi_home),
            **settings.extra_env,
        }
        self.stack = engine.open_stack(name, program, settings)
        self.stack.set_config("webex:baseUrl", auto.ConfigValue(emu.base_url))
        self.stack.set_config("webex:token", auto.ConfigValue(emu.admin_token, secret=True))
        for k, v in (config or {}).items():
            self.stack.set_config(k, auto.ConfigValue(str(v)))

    @property
    def stack_file(self) -> Path:
        return self.root / "stacks" / f"{self.name}.yaml"

    def run(self, op: str, env: dict[str, str] | None = None, **kw: Any) -> Run:
        """``op`` is up/preview/refresh; the emulator's counters cover exactly this operation.
        ``env``: extra engine environment for this operation only (e.g. PULUMI_SKIP_CHECKPOINTS)."""
        self.emu.reset_counters()
        lines: list[str] = []
        failed: CommandError | None = None
        ws = self.stack.workspace
        saved = dict(ws.env_vars)
        ws.env_vars = {**saved, **(env or {})}
        cpu0 = _children_cpu()
        with ProviderMemory() as mem:
            t0 = time.perf_counter()
            try:
                result = getattr(self.stack, op)(on_output=lines.append, **kw)
            except CommandError as e:  # recorded, not raised: the table says what failed
                failed = e
            finally:
                ws.env_vars = saved
            seconds = time.perf_counter() - t0
        counts = self.emu.request_counts()
        by_status = self.emu.request_counts_by_status()
        summary: dict[str, Any] = {}
        if failed is not None:
            text = "".join(lines) + str(failed)
            summary.update(result="failed", error=_error_line(text))
            m = re.search(r"(\d+) of (\d+) license changes failed", text)
            if m:
                summary["failures"] = int(m.group(1))
        elif op == "preview":
            summary["changeSummary"] = dict(result.change_summary)
        elif op == "up":
            summary["resourceChanges"] = dict(result.summary.resource_changes or {})
            summary["result"] = result.summary.result
        api = {k: v for k, v in counts.items() if k.split(" ", 1)[-1].startswith("/v1/")}
        # CPU of the engine and its plugins (waited-for children: the CLI and what it started)
        # plus this process (the inline program's host): what the load average cannot distort.
        summary["cpuSeconds"] = {k: round(v - cpu0[k], 1) for k, v in _children_cpu().items()}
        summary["loadavg1"] = round(os.getloadavg()[0], 1)
        return Run(op, seconds, sum(api.values()), api, by_status, mem.peak_mb, summary)

    def run_cli(self, op: str, *flags: str) -> Run:
        """``python -m webex_iac OP`` in a fresh process (the project's ``__main__.py`` is the
        program), as an operator runs it. Raises if the command fails."""
        self.emu.reset_counters()
        log = self.root / f"{op}.log"
        argv = [sys.executable, "-m", "webex_iac", op, "--stack", self.name, "--project-dir", str(self.root), *flags]
        with ProviderMemory() as mem, open(log, "w") as out:
            t0 = time.perf_counter()
            rc = subprocess.run(argv, cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT).returncode
            seconds = time.perf_counter() - t0
        counts = self.emu.request_counts()
        by_status = self.emu.request_counts_by_status()
        api = {k: v for k, v in counts.items() if k.split(" ", 1)[-1].startswith("/v1/")}
        text = log.read_text()
        run = Run(
            op,
            seconds,
            sum(api.values()),
            api,
            by_status,
            mem.peak_mb,
            {"returncode": rc, "result": "succeeded" if rc == 0 else "failed"},
        )
        if rc != 0:
            run.summary["error"] = _error_line(text)
        return run


def _children_cpu() -> dict[str, float]:
    """CPU seconds so far: ``engine`` = the ``pulumi`` CLI and every process it waited for
    (providers, language host), ``program`` = this process (the Automation API's inline program
    runs here)."""
    ch, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return {"engine": ch.ru_utime + ch.ru_stime, "program": me.ru_utime + me.ru_stime}


def _error_line(text: str) -> str:
    for marker in ("RecursionError", "error:"):
        for line in text.splitlines():
            if marker in line:
                return line.strip()[:300]
    return text.strip().splitlines()[-1][:300] if text.strip() else ""
