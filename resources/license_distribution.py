"""LicenseDistribution: who holds which license, across a set of pools managed together.

The unit is a *distribution*: one or more license pools between which users move (typically
the meeting pools of the classic and the new site). Why not one resource per pool: a user
moving from pool A to pool B then needs two writes (remove in A, add in B) from two resources
that cannot coordinate; as one resource, each user whose licenses change gets exactly one
``PATCH /licenses/users`` carrying all of their adds and removes, and capacity is scheduled
across the pools (frees first, then moves into the room they made). The only exception is a
cycle between pools that are all full (A→B and B→A with no free unit anywhere): one user of
the cycle is split into remove-then-add, one extra PATCH per cycle.

The live org is the source of truth: check, diff and update all compare the declaration with
the org as read in this run (one shared read, see ``_runtime``), never with the old state.
Capacity is validated in check, so preview fails before anything is written. Deleting the
resource stops managing the pools; it never strips licenses from anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import Field, model_validator

from webex_client import PartialContentError, PermissionDeniedError, WebexError
from webex_client.types.licenses import License, pool_label
from webex_iac.org_model import resolve_license as resolve_license  # re-exported: resources.resolve_license

from ._common import Email, LicenseRef, Model
from ._provider import Outputs, WebexProvider, WebexResource
from ._runtime import OrgSnapshot

# How many names a plan lists per direction before summarising; keeps PR comments readable.
PLAN_NAMES = 25


class LicensePool(Model):
    """One pool and the holders declared for it."""

    license: LicenseRef
    users: list[Email] = Field(default_factory=list, description="Holders by email.")
    groups: list[str] = Field(default_factory=list, description="Holders by group display name (all members).")
    exclusive: bool = Field(
        default=True,
        description="True: anyone not declared loses this license. False: only adds, never removes.",
    )
    capacity: int | None = Field(
        default=None,
        ge=0,
        description="Declared cap, used by the capacity policy when the org cannot be reached.",
    )

    @model_validator(mode="after")
    def _dedupe(self) -> "LicensePool":
        self.users = sorted(set(self.users))
        self.groups = sorted(set(self.groups))
        return self


class LicenseDistributionArgs(Model):
    """Inputs of a :class:`LicenseDistribution`."""

    owner: str | None = Field(default=None, description="Owning team or email (ownership policy).")
    pools: list[LicensePool] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_pools(self) -> "LicenseDistributionArgs":
        seen: set[str] = set()
        for i, pool in enumerate(self.pools):
            key = pool.license.model_dump_json()
            if key in seen:
                raise ValueError(f"pools[{i}]: license {pool.license.describe()} is declared twice")
            seen.add(key)
        return self


# --- planning --------------------------------------------------------------------------------


class PlanError(ValueError):
    """The declaration cannot be applied to the org as it is; nothing was written."""

    def __init__(self, failures: list[tuple[str, str]]):
        self.failures = failures
        super().__init__("; ".join(f"{prop}: {reason}" for prop, reason in failures))


@dataclass
class PoolPlan:
    license: License
    desired: set[str]
    live: set[str]
    adds: set[str]
    removes: set[str]

    @property
    def before(self) -> int:
        return self.license.consumed_units or 0

    @property
    def after(self) -> int:
        return self.before - len(self.removes) + len(self.adds)


@dataclass
class UserChange:
    person_id: str
    email: str
    adds: set[str] = field(default_factory=set)
    removes: set[str] = field(default_factory=set)
    attendee_sites_to_drop: set[str] = field(default_factory=set)


@dataclass
class Plan:
    pools: list[PoolPlan]
    users: dict[str, UserChange]

    @property
    def changes(self) -> bool:
        return bool(self.users)


def make_plan(args: LicenseDistributionArgs, snap: OrgSnapshot) -> Plan:
    failures: list[tuple[str, str]] = []
    licenses = snap.licenses()
    pools: list[PoolPlan] = []
    users: dict[str, UserChange] = {}

    for i, pool in enumerate(args.pools):
        where = f"pools[{i}]"
        lic = resolve_license(pool.license, licenses)
        if isinstance(lic, str):
            failures.append((f"{where}.license", lic))
            continue
        desired: set[str] = set()
        people = snap.people()  # one lookup table for the pool: 100,000 users cost one dict probe each
        for j, email in enumerate(pool.users):
            person = people.get(email)  # Email inputs are lower-case already (resources/_common.py)
            if person is None or not person.id:
                failures.append((f"{where}.users[{j}]", f"{email} is not a person in the org"))
            else:
                desired.add(person.id)
        for j, group in enumerate(pool.groups):
            members = snap.group_member_ids(group)
            if members is None:
                failures.append((f"{where}.groups[{j}]", f"group {group!r} does not exist in the org"))
            else:
                desired.update(members)
        live = snap.holders(lic.id)
        adds = desired - live
        removes = (live - desired) if pool.exclusive else set()
        plan = PoolPlan(lic, desired, live, adds, removes)
        if lic.total_units is not None and plan.after > lic.total_units:
            failures.append(
                (
                    f"{where}.users",
                    f"{pool_label(lic)} would need {plan.after} units but has {lic.total_units} "
                    f"({plan.before} used, +{len(adds)} −{len(removes)}); free {plan.after - lic.total_units} first",
                )
            )
        pools.append(plan)
        site = (lic.site_url or "").lower()
        for pid in adds | removes:
            person = snap.person_by_id(pid)
            change = users.setdefault(pid, UserChange(pid, snap.primary_email(person) if person else pid))
            if pid in adds:
                change.adds.add(lic.id)
                # A host on a site is not also its attendee: Webex wants the attendee entry gone.
                if site and person and f"{site}#attendee" in {s.lower() for s in person.site_urls or []}:
                    change.attendee_sites_to_drop.add(site)
            else:
                change.removes.add(lic.id)
    if failures:
        raise PlanError(failures)
    return Plan(pools, users)


def _names(emails: Iterable[str]) -> str:
    emails = sorted(emails)
    shown = ", ".join(emails[:PLAN_NAMES])
    return shown + (f", … and {len(emails) - PLAN_NAMES} more" if len(emails) > PLAN_NAMES else "")


def describe_plan(plan: Plan, snap: OrgSnapshot) -> list[dict[str, Any]]:
    """A reviewer's view: per pool, who gains and who loses, and the units before and after."""

    def email(pid: str) -> str:
        person = snap.person_by_id(pid)
        return snap.primary_email(person) if person is not None else pid

    out = []
    for p in plan.pools:
        out.append(
            {
                "pool": pool_label(p.license),
                "licenseId": p.license.id,
                "units": f"{p.before}/{p.license.total_units} -> {p.after}/{p.license.total_units}",
                "gains": len(p.adds),
                "losses": len(p.removes),
                "gainers": _names(email(x) for x in p.adds),
                "losers": _names(email(x) for x in p.removes),
            }
        )
    return out


# --- applying --------------------------------------------------------------------------------


@dataclass
class ApplyReport:
    patches: int = 0
    failures: list[str] = field(default_factory=list)


def _request(change: UserChange, adds: set[str], removes: set[str], org_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"personId": change.person_id}
    if org_id:
        body["orgId"] = org_id
    body["licenses"] = [{"id": i, "operation": "add"} for i in sorted(adds)] + [
        {"id": i, "operation": "remove"} for i in sorted(removes)
    ]
    if adds and change.attendee_sites_to_drop:
        body["siteUrls"] = [
            {"siteUrl": s, "accountType": "attendee", "operation": "remove"} for s in sorted(change.attendee_sites_to_drop)
        ]
    return body


def apply_plan(plan: Plan, runtime, max_workers: int | None = None) -> ApplyReport:
    """Send one PATCH per changed user, frees before moves, within every pool's capacity."""
    client, snap, org_id = runtime.client, runtime.snapshot, runtime.config.org_id
    report = ApplyReport()
    involved = {p.license.id: p.license for p in plan.pools}
    free = {
        lid: (lic.total_units - (lic.consumed_units or 0)) if lic.total_units is not None else 10**9
        for lid, lic in involved.items()
    }
    pending = dict(plan.users)

    def send(batch: list[tuple[UserChange, set[str], set[str]]]) -> list[bool]:
        bodies = [_request(c, a, r, org_id) for c, a, r in batch]
        results = client.licenses.assign_many(bodies, max_workers=max_workers)
        report.patches += len(bodies)
        ok = []
        for (change, adds, removes), res in zip(batch, results):
            if res.ok:
                snap.record_assignment(change.person_id, res.value.licenses, None)
                ok.append(True)
                continue
            err = res.error
            if isinstance(err, PartialContentError):
                if err.result is not None:
                    snap.record_assignment(change.person_id, err.result.licenses, None)
                failed = ", ".join(pool_label(involved[i]) if i in involved else i for i in err.failed_license_ids)
                report.failures.append(f"{change.email}: partly applied (206), not applied: {failed}")
            elif isinstance(err, PermissionDeniedError):
                raise err  # the token's scope or role, not this user: one sentence naming the scope
            elif isinstance(err, WebexError):
                report.failures.append(f"{change.email}: {err}")
            else:
                report.failures.append(f"{change.email}: {type(err).__name__}: {err}")
            ok.append(False)
        return ok

    # 1. Users who only lose licenses: they free units for everyone else.
    frees: list[tuple[UserChange, set[str], set[str]]] = [(c, set(), set(c.removes)) for c in pending.values() if not c.adds]
    for (change, _, removes), ok in zip(frees, send(frees)):
        pending.pop(change.person_id)
        if ok:
            for lid in removes:
                free[lid] += 1

    # 2. Waves: everyone whose adds fit now; their removes make room for the next wave.
    while pending:
        room = dict(free)
        wave: list[tuple[UserChange, set[str], set[str]]] = []
        # Movers first: each one that goes frees a unit for the next. Users who only gain
        # (including a cycle breaker whose removes already went) take what is left.
        for change in sorted(pending.values(), key=lambda c: (not c.removes, c.email)):
            if all(room[a] > 0 for a in change.adds):
                for a in change.adds:
                    room[a] -= 1
                wave.append((change, set(change.adds), set(change.removes)))
        if not wave:
            # A cycle between full pools: let one user's removes go first, alone.
            breaker = next((c for c in sorted(pending.values(), key=lambda c: c.email) if c.removes), None)
            if breaker is None:
                for c in pending.values():
                    report.failures.append(f"{c.email}: no free unit in {', '.join(pool_label(involved[a]) for a in c.adds)}")
                break
            if send([(breaker, set(), set(breaker.removes))])[0]:
                for lid in breaker.removes:
                    free[lid] += 1
                breaker.removes = set()
            else:
                pending.pop(breaker.person_id)
            continue
        for (change, adds, removes), ok in zip(wave, send(wave)):
            pending.pop(change.person_id)
            if ok:
                for a in adds:
                    free[a] -= 1
                for r in removes:
                    free[r] += 1
    return report


# --- provider --------------------------------------------------------------------------------


class LivePool(Model):
    """A pool as the org reported it after the last apply."""

    license_id: str
    name: str | None = None
    site_url: str | None = None
    total_units: int | None = None
    consumed_units: int | None = None
    declared_holders: int


class LicenseDistributionOutputs(Outputs):
    """What a :class:`LicenseDistribution` adds to its inputs in the state."""

    live: list[LivePool] | None = None


def _live(plan: Plan) -> list[LivePool]:
    return [
        LivePool(
            license_id=p.license.id,
            name=p.license.name,
            site_url=p.license.site_url,
            total_units=p.license.total_units,
            consumed_units=p.license.consumed_units,
            declared_holders=len(p.desired),
        )
        for p in plan.pools
    ]


class LicenseDistributionProvider(WebexProvider[LicenseDistributionArgs]):
    args_model = LicenseDistributionArgs
    outputs_model = LicenseDistributionOutputs
    # The resource name, set by the program: the resource's id.
    carried = ("name",)

    @classmethod
    def upgrade(cls, declared: dict[str, Any]) -> dict[str, Any]:
        # Releases up to 737dc3e stored the stack file's file:line as each pool's `source`.
        pools = declared.get("pools")
        if isinstance(pools, list) and any(isinstance(p, dict) and "source" in p for p in pools):
            declared = {
                **declared,
                "pools": [{k: v for k, v in p.items() if k != "source"} if isinstance(p, dict) else p for p in pools],
            }
        return declared

    def check_args(self, args: LicenseDistributionArgs, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        try:
            snap = self.runtime.snapshot
            plan = make_plan(args, snap)
        except PlanError as e:
            return CheckResult(news, [CheckFailure(prop, reason) for prop, reason in e.failures])
        # The plan rides along with the inputs so `pulumi preview --diff` and the PR comment
        # show who gains and who loses; diff() ignores it.
        return CheckResult(self.inputs(args, news, plan=describe_plan(plan, snap)), [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        args = self.parse(news)
        plan = make_plan(args, self.runtime.snapshot)
        # Both sides are check()'s normalised inputs (olds as stored by create/update), so the
        # declarations compare as plain dicts: no second validation of 100,000 emails.
        declared_changed = self.declaration_changed(olds, news) if olds.get("pools") else True
        return DiffResult(changes=plan.changes or declared_changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        name = props.get("name") or "license-distribution"
        return CreateResult(id_=name, outs=self._apply(props, name))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._apply(news, _id))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = self.parse(props)
        named = {**props, "name": props.get("name") or id_}
        try:
            plan = make_plan(args, self.runtime.snapshot)
        except PlanError:
            return ReadResult(id_, self.outputs(args, named, live=props.get("live")))
        return ReadResult(id_, self.outputs(args, named, live=_live(plan)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Stop managing: removing everyone's licenses on destroy would be an outage.
        return None

    def _apply(self, props: dict[str, Any], name: str) -> dict[str, Any]:
        args = self.parse(props)
        rt = self.runtime
        snap = rt.snapshot
        snap.refresh_licenses()  # capacity counters as of now, not as of preview
        plan = make_plan(args, snap)
        report = apply_plan(plan, rt)
        if report.failures:
            shown = "\n  ".join(report.failures[:20])
            more = f"\n  … and {len(report.failures) - 20} more" if len(report.failures) > 20 else ""
            raise RuntimeError(
                f"{len(report.failures)} of {len(plan.users)} license changes failed "
                f"({report.patches} PATCH requests sent); the next `up` retries them:\n  {shown}{more}"
            )
        return self.outputs(args, {**props, "name": name}, live=_live(make_plan(args, snap)))


class LicenseDistribution(WebexResource, kind="LicenseDistribution"):
    """Declared license holders for a set of pools; see the module docstring for semantics."""

    provider_class = LicenseDistributionProvider
    live: pulumi.Output[list]
    plan: pulumi.Output[list]

    def __init__(self, resource_name: str, args: LicenseDistributionArgs, opts: pulumi.ResourceOptions | None = None):
        # `plan` is computed by check (an input the preview shows), unknown until then.
        super().__init__(resource_name, args, opts, name=resource_name, plan=None)
