"""``python -m bench`` (``make bench``): issues #8 and #14's benchmark, real engine, 10,000-user org.

Scenarios, all against one emulator in a subprocess with file-backed state and a rate limit
(50 req/s, burst 50); the stack leaves ``webex:requestsPerSecond`` unset, so the client's
adaptive throttle has to find that limit itself:

(a) ``pulumi preview`` with no changes: API calls and wall time;
(b) ``pulumi up`` moving N users from the classic to the new meeting pool (one direction,
    into free units: no cycle-breaking PATCH is ever needed): PATCHes, 429s, wall time
    against the minimum the rate limit allows;
(c) (b) with 20 % of all requests answered 429 (``Retry-After: 1``); and, unless
    ``--quick``, the same with the throttle before issue 14 (``webex:rateControl: legacy``)
    on a separate stack: the before/after;
(d) the naive design (one resource per user, ``bench/naive.py``) on a subset, extrapolated
    linearly to the full org, and the ratios;
(e) an ``up`` during which the emulator's limit drops from 50 to 10 req/s: failures and how
    long until the 429s stop;
(f) (not with ``--quick``) a 100,000-user org in a second emulator: no-change preview and an
    ``up`` moving 5,000 users;
(g) (not with ``--quick``) a stack of 3,000 standing meetings (one dynamic resource each):
    preview, the ``up`` creating them, a no-change preview.

Prints a table and writes ``bench/results/bench.json``. ``--help`` lists the knobs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from webex_emulator.testing import EmulatorServer  # noqa: E402

from . import ours  # noqa: E402
from .naive import program as naive_program, write_declaration, write_project  # noqa: E402
from .org import ADMIN, BenchOrg, distribution_yaml, meetings_yaml  # noqa: E402
from .provider_profile import launcher  # noqa: E402
from .stack import BenchStack, Run  # noqa: E402

STORM_SEED = 8


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def min_seconds(requests: int, rate: float, burst: int) -> float:
    """The least wall time ``requests`` can take under a token bucket (rate, burst) that
    starts full: the first ``burst`` go at once, the rest at ``rate``."""
    return max(0, requests - burst) / rate


def pool_state(emu, org_summary: dict[str, Any]) -> dict[str, dict[str, int]]:
    c = emu.client()
    try:
        r = c.get("/licenses")
        r.raise_for_status()
        by_id = {lic["id"]: lic for lic in r.json()["items"]}
    finally:
        c.close()
    out = {}
    for key, lid in org_summary["licenses"].items():
        lic = by_id[lid]
        out[key] = {"consumedUnits": lic["consumedUnits"], "totalUnits": lic["totalUnits"]}
    return out


def check_moved(emu, org_summary, org: BenchOrg, moves: int) -> dict[str, Any]:
    """The emulator's own counters after the move: exactly ``moves`` units went across."""
    pools = pool_state(emu, org_summary)
    ok = (
        pools["classic-meetings"]["consumedUnits"] == len(org.classic) - moves
        and pools["new-meetings"]["consumedUnits"] == len(org.new) + moves
    )
    return {"pools": pools, "converged": ok}


def stack_config(args, *, legacy: bool = False) -> dict[str, str]:
    """The stack's client settings. By default ``webex:requestsPerSecond`` is *unset*: the
    adaptive throttle must find the emulator's limit itself. ``legacy`` is the throttle before
    issue 14, configured as the bench used to configure it (a fixed 50 req/s)."""
    cfg = {"webex:burst": str(args.client_burst), "webex:maxConcurrency": str(args.concurrency)}
    if legacy:
        cfg |= {"webex:rateControl": "legacy", "webex:requestsPerSecond": str(args.rate)}
    elif args.client_rate is not None:
        cfg["webex:requestsPerSecond"] = str(args.client_rate)
    return cfg


class RateWatch:
    """Polls the emulator's counters during a run (every ``every`` s): when the PATCH stream
    has run ``drop_after`` seconds, lowers the emulator's limit to ``drop_to``; records the
    cumulative 429s and successful PATCHes over time, for (e)."""

    def __init__(self, emu, drop_after: float, drop_to: float, every: float = 0.25) -> None:
        self.emu, self.drop_after, self.drop_to, self.every = emu, drop_after, drop_to, every
        self.series: list[tuple[float, int, int]] = []  # (t, 429s so far, PATCH ok so far)
        self.t_first_patch: float | None = None
        self.t_drop: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "RateWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        t0 = time.perf_counter()
        while not self._stop.wait(self.every):
            t = time.perf_counter() - t0
            by_status = self.emu.request_counts_by_status()
            n429 = sum(v.get("429", 0) for k, v in by_status.items() if " /v1/" in k)
            ok = sum(n for st, n in by_status.get("PATCH /v1/licenses/users", {}).items() if st.startswith("2"))
            self.series.append((t, n429, ok))
            if self.t_first_patch is None and ok:
                self.t_first_patch = t
            if self.t_drop is None and self.t_first_patch is not None and t - self.t_first_patch >= self.drop_after:
                self.emu.set_rate_limit(self.drop_to, burst=max(1, int(self.drop_to)))
                self.t_drop = t

    def summary(self, quiet: float = 3.0) -> dict[str, Any]:
        """Settling time: from the drop to the last 429 before the first ``quiet``-second
        stretch without any; goodput after that, against the new limit."""
        if self.t_drop is None:
            return {"dropped": False}
        after = [(t, n, ok) for t, n, ok in self.series if t >= self.t_drop]
        settled_at = self.t_drop
        for i, (t, n, _) in enumerate(after):
            later = [x for x in after[i:] if x[0] <= t + quiet]
            if later[-1][0] - t >= quiet - self.every and later[-1][1] == n:
                settled_at = t
                break
            settled_at = t
        tail = [x for x in after if x[0] >= settled_at]
        goodput = (tail[-1][2] - tail[0][2]) / (tail[-1][0] - tail[0][0]) if len(tail) > 1 and tail[-1][0] > tail[0][0] else None
        return {
            "dropped": True,
            "dropAfterSeconds": self.drop_after,
            "dropTo": self.drop_to,
            "settleSeconds": round(settled_at - self.t_drop, 2),
            "goodputAfterSettle": round(goodput, 2) if goodput is not None else None,
            "series": [(round(t, 2), n, ok) for t, n, ok in self.series],
        }


def run_ours(args, emu, org: BenchOrg, tmp: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    summary = emu.seed_summary["orgs"][0]
    st = ours.make_stack(tmp / "ours", emu, stack_config(args), extra_env)
    out: dict[str, Any] = {}
    log("ours: adopting the org (up, no write expected)")
    adopt = ours.adopt(st, org)
    out["adopt"] = adopt.to_json()
    log(f"ours: adopt {adopt.seconds:.1f}s, {adopt.calls} calls, {adopt.patches} PATCH")

    log("(a) ours: preview, no change")
    a = ours.preview_no_change(st)
    out["a_preview"] = a.to_json()
    log(f"(a) {a.calls} calls, {a.seconds:.1f}s, change summary {a.summary['changeSummary']}")

    time.sleep(2)  # let the server's bucket refill: every scenario starts from the same state
    log(f"(b) ours: up moving {args.moves} users")
    b = ours.move(st, org, args.moves)
    out["b_move"] = b.to_json()
    out["b_move"]["minSeconds"] = round(min_seconds(b.calls, args.rate, args.burst), 2)
    out["b_move"]["org"] = check_moved(emu, summary, org, args.moves)
    log(f"(b) {b.patches} PATCH ({b.patches_ok} ok), {b.seconds:.1f}s, min {out['b_move']['minSeconds']}s")
    out["b_converged_preview"] = ours.preview_no_change(st).to_json()

    if not args.skip_storm:
        log("(c) ours: reset the org, adopt again, then the same move under a 429 storm")
        emu.reset(org.seed)
        ours.declare(st, org.classic, org.new)
        st.run("up")
        emu.set_faults(seed=STORM_SEED, rules=[{"status": 429, "probability": args.storm, "when": "before", "retryAfter": 1}])
        time.sleep(2)
        try:
            c = ours.move(st, org, args.moves)
        finally:
            emu.clear_faults()
        out["c_storm"] = c.to_json()
        out["c_storm"]["probability429"] = args.storm
        out["c_storm"]["minSeconds"] = round(min_seconds(c.calls, args.rate, args.burst), 2)
        out["c_storm"]["org"] = check_moved(emu, summary, org, args.moves)
        log(f"(c) {c.patches_ok} PATCH ok of {c.patches} sent, {c.throttled} answered 429, {c.seconds:.1f}s")
        out["c_converged_preview"] = ours.preview_no_change(st).to_json()

    if not args.skip_storm and not args.quick:
        log(
            "(c) before: the same storm with the throttle before issue 14 (webex:rateControl: legacy, "
            f"webex:requestsPerSecond: {args.rate:g}); a separate stack"
        )
        emu.reset(org.seed)
        legacy = ours.make_stack(tmp / "legacy", emu, stack_config(args, legacy=True), extra_env)
        ours.adopt(legacy, org)
        emu.set_faults(seed=STORM_SEED, rules=[{"status": 429, "probability": args.storm, "when": "before", "retryAfter": 1}])
        time.sleep(2)
        try:
            cb = ours.move(legacy, org, args.moves)
        finally:
            emu.clear_faults()
        out["c_storm_legacy"] = cb.to_json()
        out["c_storm_legacy"]["org"] = check_moved(emu, summary, org, args.moves)
        log(f"(c) before: {cb.patches_ok} PATCH ok of {cb.patches} sent, {cb.throttled} answered 429, {cb.seconds:.1f}s")

    if not args.skip_drop:
        log(
            f"(e) ours: reset, adopt, then move {args.drop_moves} users while the limit drops "
            f"{args.rate:g} → {args.drop_to:g} req/s after {args.drop_after:g} s of PATCHes"
        )
        emu.reset(org.seed)
        ours.declare(st, org.classic, org.new)
        st.run("up")
        time.sleep(2)
        try:
            with RateWatch(emu, args.drop_after, args.drop_to) as watch:
                e = ours.move(st, org, args.drop_moves)
        finally:
            emu.set_rate_limit(args.rate, burst=args.burst)
        out["e_drop"] = e.to_json() | watch.summary()
        out["e_drop"]["org"] = check_moved(emu, summary, org, args.drop_moves)
        log(
            f"(e) {e.patches_ok} PATCH ok of {e.patches}, {e.throttled} answered 429, {e.seconds:.1f}s, "
            f"settled {out['e_drop'].get('settleSeconds')} s after the drop"
        )
    return out


def run_meetings(args, emu, org: BenchOrg, tmp: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    """(g): one stack with ``args.meetings`` standing meetings (one dynamic resource each) next to
    the license distribution: a preview that declares them all in one process, the ``up`` that
    creates them, and a no-change preview."""
    emu.reset(org.seed)
    st = ours.make_stack(tmp / "meetings", emu, stack_config(args), extra_env)
    hosts = [e for e in org.new if e != ADMIN]
    st.stack_file.write_text(distribution_yaml(org.classic, org.new) + meetings_yaml(hosts, args.meetings))
    # Pulumi v3.274.1 serialises the whole state after every step, even in a preview (where it
    # discards it): quadratic in the resources (docs/pulumi-checkpoints.md). PULUMI_SKIP_CHECKPOINTS
    # writes the state once at the end instead; `--checkpoints every` measures the default.
    # PULUMI_PARALLEL_DIFF: the engine diffs one resource at a time by default, and a standing
    # meeting's diff is two reads (the series, its invitees); the provider serves 4 at once.
    env = {"PULUMI_SKIP_CHECKPOINTS": "true", "PULUMI_PARALLEL_DIFF": "true"} if args.checkpoints == "skip" else {}
    out: dict[str, Any] = {"meetings": args.meetings, "checkpoints": args.checkpoints}
    log(f"(g) {args.meetings} standing meetings: preview (checkpoints: {args.checkpoints})")
    out["preview"] = st.run("preview", env=env).to_json()
    log(
        f"(g) preview {out['preview']['seconds']:.1f}s, {out['preview'].get('changeSummary')}, "
        f"{out['preview']['apiCalls']} calls, CPU {out['preview']['cpuSeconds']}"
    )
    if args.meetings_preview_only:
        return out
    time.sleep(2)
    log(f"(g) up: create {args.meetings} meetings")
    out["up"] = st.run("up", env=env).to_json()
    log(
        f"(g) up {out['up']['seconds']:.1f}s, {out['up']['apiCalls']} calls, {out['up'].get('result')}, "
        f"CPU {out['up']['cpuSeconds']}"
    )
    time.sleep(2)
    out["preview_no_change"] = st.run("preview", env=env, expect_no_changes=True).to_json()
    log(
        f"(g) no-change preview {out['preview_no_change']['seconds']:.1f}s, {out['preview_no_change']['apiCalls']} calls, "
        f"CPU {out['preview_no_change']['cpuSeconds']}"
    )
    return out


def run_big(args, tmp: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    """(f): a ``args.big_users``-user org in its own emulator (the new pool has room for the
    moves): no-change preview, then an ``up`` moving ``args.big_moves`` users."""
    org = BenchOrg.generate(args.big_users, headroom=args.big_moves + 1000)
    out: dict[str, Any] = {"users": len(org.emails), "moves": args.big_moves}
    log(f"(f) starting a second emulator: {len(org.emails)} users")
    with EmulatorServer(seed=None, state_path=tmp / "big.db", subprocess=True, startup_timeout=1800) as emu:
        # Seeding 100,000 people takes 10 s on an idle machine and over the control client's
        # 30 s on a busy one: seed here with a longer read timeout.
        emu.seed_summary = emu.seed(org.seed, timeout=900.0)
        emu.set_rate_limit(args.rate, burst=args.burst)
        summary = emu.seed_summary["orgs"][0]
        st = ours.make_stack(tmp / "big", emu, stack_config(args), extra_env)
        log("(f) adopting the org")
        out["adopt"] = ours.adopt(st, org).to_json()
        log(f"(f) adopt {out['adopt']['seconds']:.1f}s, {out['adopt']['apiCalls']} calls")
        time.sleep(2)
        a = ours.preview_no_change(st)
        out["a_preview"] = a.to_json()
        log(f"(f) preview {a.calls} calls, {a.seconds:.1f}s, RSS {a.provider_peak_mb} MB")
        time.sleep(2)
        b = ours.move(st, org, args.big_moves)
        out["b_move"] = b.to_json()
        out["b_move"]["minSeconds"] = round(min_seconds(b.calls, args.rate, args.burst), 2)
        out["b_move"]["org"] = check_moved(emu, summary, org, args.big_moves)
        log(f"(f) up {b.patches} PATCH ({b.patches_ok} ok), {b.seconds:.1f}s, min {out['b_move']['minSeconds']}s")
    return out


def naive_stack(args, emu, root: Path, extra_env: dict[str, str]) -> BenchStack:
    root.mkdir(parents=True)
    write_project(root)
    return BenchStack(root, emu, naive_program(root), config=stack_config(args), extra_env={"PYTHONPATH": str(ROOT), **extra_env})


def checked(run: Run) -> Run:
    if run.summary.get("returncode"):
        raise RuntimeError(f"{run.op} failed: {run.summary.get('error')}")
    return run


def naive_ceiling(args, emu, org: BenchOrg, root: Path, n: int, extra_env: dict[str, str]) -> dict[str, Any]:
    """Can the naive design run at all at ``n`` resources? A preview of a fresh stack declares
    them all in one process (no write can happen in a preview)."""
    summary = emu.seed_summary["orgs"][0]
    classic_id, new_id = summary["licenses"]["classic-meetings"], summary["licenses"]["new-meetings"]
    st = naive_stack(args, emu, root, extra_env)
    write_declaration(
        root,
        sorted([classic_id, new_id]),
        {e: [classic_id] for e in org.emails[: n // 2]} | {e: [new_id] for e in org.emails[len(org.emails) // 2 :][: n - n // 2]},
    )
    log(f"(d) naive, {n} resources: can one process declare them? (preview)")
    r = st.run_cli("preview")
    log(f"(d) naive preview at {n}: {r.summary['result']} {r.summary.get('error', '')}")
    return {"users": n, **r.to_json()}


def naive_once(args, emu, org: BenchOrg, root: Path, n: int, extra_env: dict[str, str]) -> dict[str, Any]:
    """Create ``n`` per-user resources on a fresh copy of the org, preview, then move 20 %."""
    emu.reset(org.seed)
    summary = emu.seed_summary["orgs"][0]
    classic_id, new_id = summary["licenses"]["classic-meetings"], summary["licenses"]["new-meetings"]
    half = len(org.emails) // 2
    subset_classic = org.emails[: n // 2]
    subset_new = org.emails[half : half + n - n // 2]
    moves = round(n * args.moves / len(org.emails))
    users = {e: [classic_id] for e in subset_classic} | {e: [new_id] for e in subset_new}
    st = naive_stack(args, emu, root, extra_env)
    managed = sorted([classic_id, new_id])
    write_declaration(root, managed, users)
    log(f"(d) naive, {n} resources: creating them (up)")
    created = checked(st.run_cli("up", "--yes"))
    log(f"(d) naive create: {created.seconds:.1f}s, {created.calls} calls")
    time.sleep(2)
    pa = checked(st.run_cli("preview", "--expect-no-changes"))
    log(f"(d) naive preview: {pa.calls} calls, {pa.seconds:.1f}s")
    for e in subset_classic[:moves]:
        users[e] = [new_id]
    write_declaration(root, managed, users)
    time.sleep(2)
    pb = checked(st.run_cli("up", "--yes"))
    log(f"(d) naive up moving {moves}: {pb.patches} PATCH, {pb.seconds:.1f}s")
    pools = pool_state(emu, summary)
    return {
        "users": n,
        "moves": moves,
        "create": created.to_json(),
        "a_preview": pa.to_json(),
        "b_move": pb.to_json(),
        "b_failures": pb.patches - pb.patches_ok,
        "b_org": {
            "pools": pools,
            "converged": pools["classic-meetings"]["consumedUnits"] == len(org.classic) - moves
            and pools["new-meetings"]["consumedUnits"] == len(org.new) + moves,
        },
    }


def fit(points: list[tuple[int, float]], at: int) -> float:
    """Straight line through two measurements (fixed cost + per-resource cost), evaluated at
    ``at``. Per-resource cost is taken as at least 0 (noise on a loaded machine)."""
    (n1, t1), (n2, t2) = points
    per = max(0.0, (t2 - t1) / (n2 - n1))
    return t1 + per * (at - n1)


def run_naive(args, emu, org: BenchOrg, tmp: Path, extra_env: dict[str, str]) -> dict[str, Any]:
    """(d): the same org and the same change, on two subsets, extrapolated to the full org."""
    sizes = [args.naive_users // 2, args.naive_users]
    runs = [naive_once(args, emu, org, tmp / f"naive-{n}", n, extra_env) for n in sizes]
    ceiling = naive_ceiling(args, emu, org, tmp / "naive-ceiling", args.naive_ceiling, extra_env) if args.naive_ceiling else None
    full = len(org.emails)
    big = runs[-1]
    per_call = full / big["users"]
    pre = fit([(r["users"], r["a_preview"]["seconds"]) for r in runs], full)
    up = fit([(r["users"], r["b_move"]["seconds"]) for r in runs], full)
    rate_floor_pre = big["a_preview"]["apiCalls"] * per_call / args.rate
    rate_floor_up = big["b_move"]["apiCalls"] * per_call / args.rate
    return {
        "subsets": runs,
        "ceiling": ceiling,
        "extrapolation": (
            f"linear: calls scale with the number of resources (×{per_call:g} from {big['users']}); "
            f"wall time = fixed + per-resource cost fitted on {sizes[0]} and {sizes[1]} resources, "
            "and never below what the rate limit allows for those calls. A lower bound: the "
            "engine's per-step checkpoint of a 10,000-resource state grows worse than linearly."
        ),
        "extrapolated": {
            "a_preview": {
                "apiCalls": round(big["a_preview"]["apiCalls"] * per_call),
                "seconds": round(max(pre, rate_floor_pre), 1),
                "fittedSeconds": round(pre, 1),
                "rateLimitFloorSeconds": round(rate_floor_pre, 1),
            },
            "b_move": {
                "patches": round(big["b_move"]["patches"] * per_call),
                "apiCalls": round(big["b_move"]["apiCalls"] * per_call),
                "seconds": round(max(up, rate_floor_up), 1),
                "fittedSeconds": round(up, 1),
                "rateLimitFloorSeconds": round(rate_floor_up, 1),
            },
        },
    }


def table(res: dict[str, Any]) -> str:
    o, p = res.get("ours"), res["params"]
    rows = [("scenario", "API calls", "PATCH (ok)", "failures", "429s", "wall s", "target", "provider RSS MB")]

    def row(name, r, target, failures=None):
        rows.append(
            (
                name,
                str(r["apiCalls"]),
                f"{r['patches']} ({r['patchesOk']})",
                "-" if failures is None else str(failures),
                str(r["answered429"]),
                f"{r['seconds']:.1f}",
                target,
                str(r.get("providerPeakRssMB")),
            )
        )

    if o:
        a = o["a_preview"]
        row("(a) preview, no change", a, f"≤15 calls, ≤20 s: {'MET' if a['apiCalls'] <= 15 and a['seconds'] <= 20 else 'MISSED'}")
        b = o["b_move"]
        ratio = b["seconds"] / b["minSeconds"] if b["minSeconds"] else float("inf")
        fb = b["patchesOk"] - p["moves"] if b["patchesOk"] != p["moves"] else 0
        share = b["answered429"] / max(1, b["apiCalls"])
        ok_b = b["patchesOk"] == p["moves"] and fb == 0 and b["org"]["converged"]
        met = ok_b and ratio <= 1.3 and share <= 0.02
        rate_label = "rate unset" if "webex:requestsPerSecond" not in p["clientConfig"] else "rate set"
        row(
            f"(b) up, move {p['moves']} ({rate_label})",
            b,
            f"≤1.3× min {b['minSeconds']:.1f}s (={ratio:.2f}×), ≤2% 429 (={share:.1%}): {'MET' if met else 'MISSED'}",
            fb,
        )
        if "c_storm" in o:
            c = o["c_storm"]
            ok = c["result"] == "succeeded" and c["org"]["converged"]
            rc = c["seconds"] / b["seconds"]
            row(
                f"(c) (b) + {int(c['probability429'] * 100)}% 429",
                c,
                f"0 failures, ≤2× (b) (={rc:.2f}×): {'MET' if ok and rc <= 2 else 'MISSED'}",
                0 if ok else c.get("failures", "?"),
            )
        if "c_storm_legacy" in o:
            cl = o["c_storm_legacy"]
            row(
                "(c) before: legacy throttle, rate 50",
                cl,
                f"measured: {cl['seconds'] / b['seconds']:.2f}× (b); after is "
                f"{cl['seconds'] / o['c_storm']['seconds']:.1f}× faster"
                if "c_storm" in o
                else "measured",
                0 if cl.get("result") == "succeeded" else cl.get("failures", "?"),
            )
        if "e_drop" in o:
            e = o["e_drop"]
            ok = e.get("result") == "succeeded" and e["org"]["converged"] and e.get("dropped")
            st = e.get("settleSeconds")
            met = ok and st is not None and st <= 10
            row(
                f"(e) limit {p['emulatorRateLimit']['rate']:g}→{e.get('dropTo', 0):g} mid-run, move {e['patchesOk']}",
                e,
                f"0 failures, settles ≤10 s (={st} s, then {e.get('goodputAfterSettle')} PATCH/s): {'MET' if met else 'MISSED'}",
                0 if ok else e.get("failures", "?"),
            )
    if "big" in res:
        f = res["big"]
        fa, fb = f["a_preview"], f["b_move"]
        met = fa["apiCalls"] <= 110 and fa["seconds"] <= 12 and (fa.get("providerPeakRssMB") or 1e9) <= 300
        rows.append(
            (
                f"(f) {f['users']} users: preview, no change",
                str(fa["apiCalls"]),
                "0 (0)",
                "-",
                str(fa["answered429"]),
                f"{fa['seconds']:.1f}",
                f"≤110 calls, ≤12 s, RSS ≤300 MB: {'MET' if met else 'MISSED'}",
                str(fa.get("providerPeakRssMB")),
            )
        )
        ratio = fb["seconds"] / fb["minSeconds"] if fb["minSeconds"] else float("inf")
        met = fb["patchesOk"] == f["moves"] and fb["org"]["converged"] and ratio <= 1.2
        rows.append(
            (
                f"(f) {f['users']} users: up, move {f['moves']}",
                str(fb["apiCalls"]),
                f"{fb['patches']} ({fb['patchesOk']})",
                "0" if fb["org"]["converged"] else "?",
                str(fb["answered429"]),
                f"{fb['seconds']:.1f}",
                f"{f['moves']} PATCH ok, ≤1.2× min {fb['minSeconds']:.1f}s (={ratio:.2f}×): {'MET' if met else 'MISSED'}",
                str(fb.get("providerPeakRssMB")),
            )
        )
    if "meetings" in res:
        g = res["meetings"]
        for key, label in (
            ("preview", "preview (all new)"),
            ("up", "up (create all)"),
            ("preview_no_change", "preview, no change"),
        ):
            r = g.get(key)
            if r is None:
                continue
            ok = r.get("result", "succeeded") == "succeeded" and "error" not in r
            # Calls per meeting (issue 14, bench (g)): a new meeting 1 read in a preview, 1 read +
            # 1 POST to create, 2 reads (the series, its invitees) in a no-change preview; +20
            # for the org read. Wall time against what the emulator's rate limit allows.
            n, per = g["meetings"], {"preview": 1, "up": 2, "preview_no_change": 2}[key]
            rl = p["emulatorRateLimit"]
            floor = max(0.0, r["apiCalls"] - rl["burst"]) / rl["rate"]
            met = ok and r["apiCalls"] - r["answered429"] <= per * n + 20  # 429s: the throttle's probing
            rows.append(
                (
                    f"(g) {n} standing meetings: {label}",
                    str(r["apiCalls"]),
                    "-",
                    "-",
                    str(r["answered429"]),
                    f"{r['seconds']:.1f}",
                    f"runs, ≤{per}/meeting+20 calls but 429s, {r['seconds'] / max(floor, 1e-9):.2f}× rate floor "
                    f"{floor:.0f}s: {'MET' if met else 'MISSED'}",
                    str(r.get("providerPeakRssMB")),
                )
            )
    if "naive" in res:
        n = res["naive"]
        x = n["extrapolated"]
        for r in n["subsets"]:
            ra, rb = r["a_preview"], r["b_move"]
            rows.append(
                (
                    f"(d) naive preview, {r['users']} users",
                    str(ra["apiCalls"]),
                    "0 (0)",
                    "-",
                    str(ra["answered429"]),
                    f"{ra['seconds']:.1f}",
                    "measured",
                    str(ra.get("providerPeakRssMB")),
                )
            )
            rows.append(
                (
                    f"(d) naive up, {r['users']} users, move {r['moves']}",
                    str(rb["apiCalls"]),
                    f"{rb['patches']} ({rb['patchesOk']})",
                    str(r["b_failures"]),
                    str(rb["answered429"]),
                    f"{rb['seconds']:.1f}",
                    "measured",
                    str(rb.get("providerPeakRssMB")),
                )
            )
        ce = n.get("ceiling")
        if ce:
            rows.append(
                (
                    f"(d) naive preview, {ce['users']} users",
                    str(ce["apiCalls"]),
                    "-",
                    "-",
                    "-",
                    f"{ce['seconds']:.1f}",
                    "FAILS: "
                    + (
                        "RecursionError in the SDK's serialize_provider"
                        if "Recursion" in str(ce.get("error"))
                        else str(ce.get("error"))
                    )[:60]
                    if ce["result"] != "succeeded"
                    else "runs",
                    "-",
                )
            )
        full = p["users"]
        rows.append(
            (
                f"(d) naive preview, {full} (extrapolated)",
                str(x["a_preview"]["apiCalls"]),
                "-",
                "-",
                "-",
                f"{x['a_preview']['seconds']:.1f}",
                f"≥50× slower than (a): ours {res['ratios']['preview']:.0f}× faster: "
                f"{'MET' if res['ratios']['preview'] >= 50 else 'MISSED'}",
                "-",
            )
        )
        rows.append(
            (
                f"(d) naive up, {full}, move {p['moves']} (extrapolated)",
                str(x["b_move"]["apiCalls"]),
                str(x["b_move"]["patches"]),
                "-",
                "-",
                f"{x['b_move']['seconds']:.1f}",
                f"ours {res['ratios']['up']:.1f}× faster (rate-limit bound)",
                "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=10_000)
    ap.add_argument("--moves", type=int, default=2_000)
    ap.add_argument("--rate", type=float, default=50.0, help="emulator rate limit (req/s)")
    ap.add_argument("--burst", type=int, default=50, help="emulator bucket size")
    ap.add_argument(
        "--client-rate",
        type=float,
        default=None,
        help="webex:requestsPerSecond (a ceiling); default unset: the client finds the limit",
    )
    ap.add_argument("--client-burst", type=int, default=10, help="webex:burst (below --burst: jitter slack)")
    ap.add_argument("--skip-drop", action="store_true", help="skip (e), the limit drop")
    ap.add_argument("--drop-to", type=float, default=10.0, help="(e): the emulator limit after the drop")
    ap.add_argument("--drop-after", type=float, default=10.0, help="(e): seconds of PATCHes before the drop")
    ap.add_argument("--drop-moves", type=int, default=1000, help="(e): users moved")
    ap.add_argument("--meetings", type=int, default=3000, help="(g): standing meetings in one stack (0: skip)")
    ap.add_argument(
        "--checkpoints",
        choices=["skip", "every"],
        default="skip",
        help="(g): PULUMI_SKIP_CHECKPOINTS and PULUMI_PARALLEL_DIFF (state written once per "
        "operation, diffs in parallel) or the engine's defaults (the whole state after every "
        "step: quadratic; one diff at a time)",
    )
    ap.add_argument("--meetings-preview-only", action="store_true", help="(g): only the first preview")
    ap.add_argument("--big-users", type=int, default=100_000, help="(f): users of the large org (0: skip)")
    ap.add_argument("--big-moves", type=int, default=5000, help="(f): users moved in the large org")
    ap.add_argument("--only", choices=["f", "g"], default=None, help="run only scenario (f) or (g)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="skip the slow 'before' run of (c) (legacy throttle, ~8 min) and the large-org "
        "scenarios (f) and (g); keeps every other target row (the whole bench under 20 min)",
    )
    ap.add_argument("--concurrency", type=int, default=8, help="webex:maxConcurrency")
    ap.add_argument("--storm", type=float, default=0.2, help="share of requests answered 429 in (c)")
    ap.add_argument("--naive-users", type=int, default=500, help="subset size for (d)")
    ap.add_argument(
        "--naive-ceiling", type=int, default=1000, help="also try a naive preview of this many resources in one process (0: skip)"
    )
    ap.add_argument("--skip-storm", action="store_true")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--profile", type=Path, default=None, help="profile every provider call (cProfile) into this directory")
    ap.add_argument(
        "--timings", type=Path, default=None, help="time every provider call (wall, thread CPU; no profiler) into DIR/calls.log"
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench.json")
    args = ap.parse_args(argv)

    os.environ.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    tmp = Path(tempfile.mkdtemp(prefix="webex-bench-"))
    extra_env: dict[str, str] = {}
    if args.profile or args.timings:
        where = args.profile or args.timings
        where.mkdir(parents=True, exist_ok=True)
        extra_env = {"WEBEX_IAC_PROFILE_DIR": str(where.resolve()), "PULUMI_PYTHON_CMD": str(launcher(tmp))}
        if not args.profile:
            extra_env["WEBEX_IAC_PROFILE_MODE"] = "time"
    org = BenchOrg.generate(args.users)
    res: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg1AtStart": os.getloadavg()[0],
        },
        "params": {
            "users": len(org.emails),
            "declaredHolders": len(org.classic) + len(org.new),
            "moves": args.moves,
            "emulatorRateLimit": {"rate": args.rate, "burst": args.burst},
            "clientConfig": stack_config(args),
            "storm429": args.storm,
            "naiveSubset": None if args.skip_naive else args.naive_users,
            "moveKind": "one direction (classic → new) into free units: no cycle-breaking PATCH",
        },
    }
    t0 = time.perf_counter()
    try:
        if args.only != "f":
            log(f"starting the emulator: {len(org.emails)} users + admin, file-backed state in {tmp}")
            with EmulatorServer(seed=org.seed, state_path=tmp / "state.db", subprocess=True, startup_timeout=180) as emu:
                emu.set_rate_limit(args.rate, burst=args.burst)
                if args.only is None:
                    res["ours"] = run_ours(args, emu, org, tmp, extra_env)
                if args.meetings and not args.quick and args.only in (None, "g"):
                    res["meetings"] = run_meetings(args, emu, org, tmp, extra_env)
                if not args.skip_naive and args.only is None:
                    res["naive"] = run_naive(args, emu, org, tmp, extra_env)
                    x = res["naive"]["extrapolated"]
                    res["ratios"] = {
                        "preview": x["a_preview"]["seconds"] / res["ours"]["a_preview"]["seconds"],
                        "up": x["b_move"]["seconds"] / res["ours"]["b_move"]["seconds"],
                        "previewCalls": x["a_preview"]["apiCalls"] / res["ours"]["a_preview"]["apiCalls"],
                    }
        if args.big_users and not args.quick and args.only in (None, "f"):
            res["big"] = run_big(args, tmp, extra_env)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    res["totalSeconds"] = round(time.perf_counter() - t0, 1)
    res["machine"]["loadavg1AtEnd"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    print()
    print(
        f"webex-iac bench: {len(org.emails)}-user org (+admin), emulator rate limit "
        f"{args.rate:g} req/s burst {args.burst}; client {stack_config(args)}"
    )
    print(table(res))
    if "naive" in res:
        sizes = " and ".join(str(r["users"]) for r in res["naive"]["subsets"])
        print(
            f"(d) naive design measured on {sizes} of {len(org.emails)} users and EXTRAPOLATED linearly to "
            f"{len(org.emails)}: {res['naive']['extrapolation']}"
        )
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} ({res['totalSeconds']:.0f}s)")
    from .fleet import main as fleet_scenario  # issue 17: a fleet of orgs in parallel (bench/fleet.py)

    return fleet_scenario(["--quick"] if args.quick else []) if args.only is None else 0


if __name__ == "__main__":
    raise SystemExit(main())
