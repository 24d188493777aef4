"""The rehearsal report's figures come from replaying the emulator's request log (no engine).

Two pools: OLD (full: 3 of 3 units used) and NEW (1 of 3 used). u1..u3 hold OLD, u4 holds NEW.
"""

from __future__ import annotations

from webex_iac.rehearse import LICENSE_WRITE, Phase, Pool, replay_license_writes

OLD, NEW, MSG = "old", "new", "msg"
POOLS = {
    OLD: Pool(OLD, "old.webex.com", 3, "old.webex.com"),
    NEW: Pool(NEW, "new.webex.com", 3, "new.webex.com"),
    MSG: Pool(MSG, "Messaging", 10, None),
}


def holdings():
    return {"u1": {OLD, MSG}, "u2": {OLD}, "u3": {OLD}, "u4": {NEW}}


def write(pid: str, adds=(), removes=(), status: int = 200, **extra) -> dict:
    method, route = LICENSE_WRITE.split(" ", 1)
    return {
        "method": method,
        "route": route,
        "path": route,
        "status": status,
        "applied": True,
        "fault": None,
        "body": {
            "personId": pid,
            "licenses": [{"id": a, "operation": "add"} for a in adds] + [{"id": r, "operation": "remove"} for r in removes],
        },
        **extra,
    }


def replay(entries, hosts=None):
    return replay_license_writes([Phase("up", 0, 1.0, entries, "")], POOLS, holdings(), {}, hosts or {}, {})


def test_moves_in_one_write_each_leave_nobody_without_a_meeting_license():
    r = replay([write("u1", [NEW], [OLD]), write("u2", [NEW], [OLD])])
    assert r.max_unlicensed == 0 and not r.host_breaks
    assert [(w.label, w.users, w.before[NEW], w.after[NEW]) for w in r.waves] == [("wave 1", 2, 1, 3)]


def test_remove_then_add_counts_the_user_without_a_license_in_between_and_breaks_a_host():
    r = replay(
        [write("u1", [], [OLD]), write("u2", [], [OLD]), write("u1", [NEW]), write("u2", [NEW])], hosts={"u1": {"old.webex.com"}}
    )
    assert r.max_unlicensed == 2 and r.max_unlicensed_hosts == 1
    assert r.host_breaks == ["u1: without a license on old.webex.com (up, write #1)"]
    assert [w.label for w in r.waves] == ["frees", "wave 1"]


def test_a_new_wave_starts_when_the_adds_no_longer_fit_the_room_free_at_the_waves_start():
    # NEW has 2 free units: u1 and u2 move (wave 1), which frees OLD; u3 then needs a third NEW
    # unit, which only exists after u4 left NEW in the frees.
    r = replay([write("u4", [], [NEW]), write("u1", [NEW], [OLD]), write("u2", [NEW], [OLD]), write("u3", [NEW], [OLD])])
    assert [(w.label, w.users) for w in r.waves] == [("frees", 1), ("wave 1", 3)]
    # NEW is full after wave 1: u4's move into OLD (room made by wave 1) is wave 2, and u3 can
    # only follow into the unit u4 left, in wave 3.
    r = replay([write("u1", [NEW], [OLD]), write("u2", [NEW], [OLD]), write("u4", [OLD], [NEW]), write("u3", [NEW], [OLD])])
    assert [(w.label, w.users, w.before[NEW], w.after[NEW]) for w in r.waves] == [
        ("wave 1", 2, 1, 3),
        ("wave 2", 1, 3, 2),
        ("wave 3", 1, 2, 3),
    ]


def test_faults_that_were_not_applied_change_nothing_and_a_partial_answer_is_replayed_pessimistically():
    r = replay(
        [write("u1", [NEW], [OLD], status=503, applied=False, fault="503 before"), write("u2", [NEW], [OLD], status=206)],
        hosts={"u2": {"old.webex.com"}},
    )
    assert r.final["u1"] == {OLD, MSG}
    assert r.final["u2"] == set()  # the add is not assumed to have landed
    assert r.max_unlicensed == 1 and r.host_breaks


def test_a_write_answered_with_an_after_fault_was_applied():
    r = replay([write("u1", [NEW], [OLD], status=502, fault="502 after")])
    assert r.final["u1"] == {NEW, MSG}
