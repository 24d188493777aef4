"""webex_iac/org_model.py: the org facts discover, migration-report and snapshot share, written once."""

from __future__ import annotations

import ast
from pathlib import Path

from webex_client.types.licenses import License
from webex_client.types.people import Person
from webex_iac.org_model import (
    license_ref,
    meeting_sites,
    pool_label,
    pool_vanished,
    primary_email,
    resolve_pool,
    site_pools,
)

ROOT = Path(__file__).resolve().parents[2]
A1 = License(id="L1", name="Meeting 25", siteUrl="Acme.webex.com", subscriptionId="S1", totalUnits=5)
A2 = License(id="L2", name="Meeting 25", siteUrl="acme.webex.com", subscriptionId="S2", totalUnits=5)
B = License(id="L3", name="Meeting 25", siteUrl="beta.webex.com", totalUnits=5)
MSG = License(id="L4", name="Messaging", totalUnits=100)
POOLS = [A1, A2, B, MSG]


def test_a_persons_primary_email_is_their_first_lowercased_and_their_id_without_one():
    assert primary_email(Person(id="P1", emails=["Ann@X.com", "ann2@x.com"])) == "ann@x.com"
    assert primary_email(Person(id="P2", emails=[])) == "p2"


def test_pool_label_names_the_site_for_a_meeting_pool_and_the_license_otherwise():
    assert pool_label(B) == "beta.webex.com (Meeting 25)"
    assert pool_label(MSG) == "Messaging"


def test_the_pools_of_a_site_compare_urls_case_insensitively():
    assert site_pools(POOLS, "ACME.webex.com") == [A1, A2]
    assert meeting_sites(POOLS) == ["acme.webex.com", "beta.webex.com"]


def test_a_reference_is_the_site_alone_unless_the_site_has_several_pools():
    assert license_ref(B, POOLS) == {"siteUrl": "beta.webex.com"}
    assert license_ref(A2, POOLS) == {"siteUrl": "acme.webex.com", "subscriptionId": "S2"}
    assert license_ref(MSG, POOLS) == {"id": "L4"}


def test_a_reference_resolves_to_one_pool_and_vanished_means_valid_but_matching_none():
    assert resolve_pool({"siteUrl": "beta.webex.com"}, POOLS) is B
    assert resolve_pool({"siteUrl": "acme.webex.com"}, POOLS) is None  # two pools: ambiguous
    assert not pool_vanished({"siteUrl": "acme.webex.com"}, POOLS)
    assert pool_vanished({"siteUrl": "gone.webex.com"}, POOLS)
    assert resolve_pool({"bogus": 1}, POOLS) is None and not pool_vanished({"bogus": 1}, POOLS)


def _defs(paths, names):
    return sorted(
        f"{p.relative_to(ROOT)}:{n.name}"
        for p in paths
        for n in ast.walk(ast.parse(p.read_text()))
        if isinstance(n, ast.FunctionDef) and n.name in names
    )


def test_the_shared_helpers_are_defined_once_in_the_whole_product():
    # pool_label and primary_email are needed by the providers and the policy pack too, which
    # cannot depend on webex_iac: they live with their types and org_model re-exports them.
    paths = [p for pkg in ("webex_client", "resources", "webex_iac", "policies") for p in (ROOT / pkg).rglob("*.py")]
    names = {"pool_label", "_pool_label", "primary_email", "role_names", "license_ref", "resolve_pool", "site_pools"}
    assert _defs(paths, names) == sorted(
        [f"webex_iac/org_model.py:{n}" for n in ("license_ref", "resolve_pool", "role_names", "site_pools")]
        + [
            "webex_client/types/licenses.py:pool_label",
            "webex_client/types/people.py:primary_email",
            # thin delegations to the one definition: a Person property and the run snapshot's method
            "webex_client/types/people.py:primary_email",
            "resources/_runtime.py:primary_email",
        ]
    )


def test_no_module_imports_a_private_name_of_discover_and_discover_files_stay_short():
    for p in (ROOT / "webex_iac").rglob("*.py"):
        for n in ast.walk(ast.parse(p.read_text())):
            if isinstance(n, ast.ImportFrom) and "discover" in (n.module or ""):
                private = [a.name for a in n.names if a.name.startswith("_")]
                assert not private, f"{p.relative_to(ROOT)} imports {private} from {n.module}"
    long = {p.name: n for p in (ROOT / "webex_iac" / "discover").glob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def _product_files():
    return [p for pkg in ("webex_client", "resources", "webex_iac", "policies") for p in (ROOT / pkg).rglob("*.py")]


def _is_site_url_lowered(node: ast.AST) -> bool:
    """``(x.site_url or "").lower()``: the start of an inline "pools of a site" filter."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "lower"
        and isinstance(node.func.value, ast.BoolOp)
        and any(isinstance(v, ast.Attribute) and v.attr == "site_url" for v in node.func.value.values)
    )


def test_the_pools_of_a_site_are_filtered_only_by_org_model_site_pools():
    inline = sorted(
        f"{p.relative_to(ROOT)}:{c.lineno}"
        for p in _product_files()
        if p.name != "org_model.py"
        for n in ast.walk(ast.parse(p.read_text()))
        if isinstance(n, ast.comprehension)
        for cond in n.ifs
        for c in ast.walk(cond)
        if isinstance(c, ast.Compare)
        and any(isinstance(o, ast.Eq) for o in c.ops)
        and any(_is_site_url_lowered(x) for x in (c.left, *c.comparators))
    )
    assert inline == []
    assert _defs(_product_files(), {"site_pools", "_site_pools"}) == ["webex_iac/org_model.py:site_pools"]


def test_snake_to_camel_is_only_pydantics_to_camel():
    # A hand-written converter (split on "_", capitalize) is what rewrote data keys in the
    # migration report's JSON (ann_b@x.com -> annB@x.com).
    converters = sorted(
        f"{p.relative_to(ROOT)}:{f.name}"
        for p in _product_files()
        for f in ast.walk(ast.parse(p.read_text()))
        if isinstance(f, ast.FunctionDef | ast.Lambda)
        and {"capitalize", "title"}
        & {c.func.attr for c in ast.walk(f) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)}
        and any(isinstance(c, ast.Constant) and c.value == "_" for c in ast.walk(f))
    )
    assert converters == []


def test_the_common_settings_shape_is_declared_once_by_the_wire_models():
    from resources import meeting_site
    from webex_client.types import sites

    # What an input adds on top of the wire model: the spec's value sets, bounds, its own nested models.
    overrides = {
        "DefaultSchedulerOptions": {"entry_and_exit_tone", "telephony_support"},
        "PasswordCriteria": {"min_length", "min_numeric", "min_alpha", "min_special"},
        "SecurityOptions": {"password_criteria"},
        "CommonSettings": {"site_options", "default_scheduler_options", "schedule_meeting_options", "security_options"},
        "SiteOptions": set(),
        "ScheduleMeetingOptions": set(),
    }
    assert issubclass(sites.SiteCommonSettings, sites.CommonSettings)
    tree = ast.parse((ROOT / "resources" / "meeting_site.py").read_text())
    for name, allowed in overrides.items():
        assert issubclass(getattr(meeting_site, name), getattr(sites, name)), name
        body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name).body
        declared = {s.target.id for s in body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
        assert declared <= allowed, f"{name} declares {declared - allowed} again: the wire model has it"
