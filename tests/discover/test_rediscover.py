"""Re-running discover on a file a human edited: comments and order stay, only org changes land."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from ruamel.yaml import YAML

from webex_client.resources.meetings import PATCH_CONTENT_TYPE
from webex_iac.stack_file import load_stack_file

from .conftest import ok, writes


def _discover(run, emu, project: Path, *extra: str):
    return ok(
        run(
            "discover",
            "--stack",
            "prod",
            "--base-url",
            emu.base_url,
            "--project-dir",
            str(project),
            "--requests-per-second",
            "0",
            *extra,
            token=emu.admin_token,
        )
    )


def _block(lines: list[str], key: str) -> tuple[int, int]:
    """[start, end) of the 2-space-indented mapping entry ``key:`` (e.g. a meeting)."""
    start = lines.index(f"  {key}:")
    end = start + 1
    while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
        end += 1
    return start, end


def test_rediscover_of_an_unchanged_org_leaves_the_file_byte_identical(emu, run, project, tmp_path):
    out = tmp_path / "elsewhere" / "org.yaml"
    _discover(run, emu, project, "--out", str(out))
    assert not (project / "stacks" / "prod.yaml").exists()  # --out wins
    first = out.read_text()
    result = _discover(run, emu, project, "--out", str(out))
    assert out.read_text() == first
    assert "has not changed" in result.stdout
    assert writes(emu) == {}


def test_rediscover_keeps_human_comments_and_order_and_changes_only_what_changed_in_the_org(emu, run, project):
    _discover(run, emu, project)
    path = project / "stacks" / "prod.yaml"
    lines = path.read_text().splitlines()

    # A human edits the file: reorders meetings, adds comments everywhere, rewrites the description.
    s, e = _block(lines, "weekly-all-hands")
    moved = lines[s:e]
    del lines[s:e]
    first = _block(lines, "engineering-daily-standup")[0]
    lines[first:first] = moved
    lines[lines.index("licenses:")] = "# Reviewed by the collaboration team.\nlicenses:"
    i = lines.index("          - kofi.kowalski131@acme.example.com")
    lines[i + 1] += "  # contractor, renew in June"
    _, after_review = _block(lines, "monthly-business-review")
    lines.insert(after_review, "  # The board meets quarterly; keep this one.")
    lines = [ln.replace("description: Acme, Inc., adopted", "description: Acme (human-edited), adopted") for ln in lines]
    path.write_text("\n".join(lines) + "\n")
    edited = path.read_text()
    load_stack_file(path)  # still a valid stack file

    # The org changes: one series deleted, one retitled, a license removed, a new pool used.
    org = emu.seed_summary["orgs"][0]
    series = org["meetings"]["series"]
    c = emu.client()
    c.delete(
        f"/meetings/{series['monthly-business-review']}",
        params={"hostEmail": "alice.anders1@acme.example.com", "sendEmail": "false"},
    ).raise_for_status()
    # The only request content type the spec declares for this PATCH (webex_client.resources.meetings).
    c.patch(
        f"/meetings/{series['weekly-all-hands']}",
        headers={"Content-Type": PATCH_CONTENT_TYPE},
        content=json.dumps({"title": "Weekly All Hands (global)", "hostEmail": "ada.admin@acme.example.com"}),
    ).raise_for_status()
    people = {p["emails"][0]: p["id"] for p in c.get("/people", params={"max": 1000}).json()["items"]}
    gone = "kofi.kowalski131@acme.example.com"  # holds the classic license, listed by email
    c.patch(
        "/licenses/users",
        json={"personId": people[gone], "licenses": [{"id": org["licenses"]["classic-meetings"], "operation": "remove"}]},
    ).raise_for_status()
    c.patch(
        "/licenses/users",
        json={
            "personId": people["uma.useradmin@acme.example.com"],
            "licenses": [{"id": org["licenses"]["calling"], "operation": "add", "properties": {"extension": "4711"}}],
        },
    ).raise_for_status()

    result = _discover(run, emu, project)
    text = path.read_text()
    load_stack_file(path)

    # Human comments, their own description and their meeting order survive.
    for comment in ("# Reviewed by the collaboration team.", "# The board meets quarterly; keep this one."):
        assert comment in text
    assert "description: Acme (human-edited), adopted" in text
    doc = YAML(typ="safe").load(text)
    assert list(doc["meetings"]) == ["weekly-all-hands", "engineering-daily-standup", "quarterly-board-sync"]
    # The board comment stays right above the board meeting (the deleted entry's neighbour).
    tl = text.splitlines()
    assert tl[tl.index("  quarterly-board-sync:") - 1] == "  # The board meets quarterly; keep this one."

    # Exactly the org's changes, each in place; new entries at the end of their section.
    assert doc["meetings"]["weekly-all-hands"]["title"] == "Weekly All Hands (global)"
    assert "monthly-business-review" not in doc["meetings"]
    classic = next(p for p in doc["licenses"]["meetings"]["pools"] if p["license"].get("siteUrl") == "acme-classic.webex.com")
    assert gone not in classic["users"]
    assert list(doc["licenses"])[-1] == "webex-calling"
    assert doc["licenses"]["webex-calling"]["pools"][0]["users"] == ["uma.useradmin@acme.example.com"]

    strip = lambda t: [ln for ln in t.splitlines() if not ln.startswith("#")]  # noqa: E731 - generated blocks
    removed, added = [], []
    for ln in difflib.ndiff(strip(edited), strip(text)):
        (removed if ln.startswith("- ") else added if ln.startswith("+ ") else []).append(ln[2:])
    s, e = _block(edited.splitlines(), "monthly-business-review")
    review_block = [ln for ln in edited.splitlines()[s:e] if ln.strip()]
    assert sorted(removed) == sorted(review_block + [f"          - {gone}", "    title: Weekly All Hands"]), removed
    assert "    title: Weekly All Hands (global)" in added
    assert all(
        ln == "    title: Weekly All Hands (global)"
        or not ln.strip()
        or "webex-calling" in ln
        or ln.startswith(
            (
                "    owner:",
                "    pools:",
                "      - license: {id:",
                "        capacity:",
                "        exclusive:",
                "        users:",
                "          - uma.useradmin",
            )
        )
        for ln in added
    ), added
    # The human's eol comment on the line after the removed user is kept.
    assert "  # contractor, renew in June" in text
    assert "- meetings.monthly-business-review" in result.stdout
