"""The stack-file loader never crashes and never explodes, whatever the bytes (issue 15).

Table-driven fuzz: 320 mutations of the repository's real stack files (deterministic seeds, so a
failure reproduces by its case id). Each must either load or fail with ``file:line:col: ...``
lines only: no traceback, no other exception, no network (a socket attempt fails the case), and
bounded memory (tracemalloc peak, relative to the file's size). Time is measured by `make bench`,
never asserted here.
"""

from __future__ import annotations

import random
import re
import socket
import tracemalloc
from pathlib import Path

import pytest

from webex_iac.stack_file import MAX_ERRORS, StackFile, StackFileError, load_stack_file

ROOT = Path(__file__).resolve().parents[2]
BASES = [ROOT / "stacks" / "dev.yaml", ROOT / "stacks" / "examples" / "policy-violations.yaml"]
SHOWN = "stacks/fuzz.yaml"
LINE = re.compile(r"^stacks/fuzz\.yaml:\d+:\d+: \S.*$")
MORE = re.compile(r"^stacks/fuzz\.yaml: \.\.\. and \d+ more problems")

# The classic "billion laughs": 9**9 strings from a few hundred bytes.
BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
).encode()
# Values a careless or hostile edit puts into a scalar.
NASTY = [
    "2027-02-30",
    "2027-13-01T25:61:00",
    "FREQ=WEEKLY;COUNT=abc",
    "FREQ=DAILY;INTERVAL=-1",
    "1e999",
    "-1",
    "0",
    "''",
    "null",
    "~",
    "[]",
    "{}",
    "*nope",
    "&anchor x",
    "!!binary AAAA",
    "!!python/object:os.system x",
    "!custom x",
    '"unterminated',
    "'",
    "|",
    ">",
    "@",
    "`",
    "x" * 20_000,
    "é" * 50,
    "\u202e",
    "🎉",
    "yes",
    "0x1F",
    "0o17",
    ".nan",
    "2027-01-01",
    "bob@",
    "A@B.C",
    "Y2lzY29zcGFyazovL3VzL1JPT00vYWJj",
    "- a\n- b",
    "{a: 1, a: 2}",
    "[" * 60 + "]" * 60,
    "{x: " * 40 + "1" + "}" * 40,
    "<<: {title: x}",
]
BYTES = [
    b"\xff",
    b"\x00",
    b"\xfe\xff",
    b"\t",
    b"\r",
    b"\x1b",
    b"\xc3",
    b"\xed\xa0\x80",
    b"---\n",
    b"...\n",
    b"%YAML 1.1\n",
    b"? ",
    b": ",
    b"- ",
    b"#",
    b"&a ",
    b"*a",
    b"<<: ",
    b"\\",
    b"\x85",
]


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    lines = raw.split(b"\n")
    op = rng.randrange(12)
    i = rng.randrange(len(lines))
    if op == 0:  # drop a line
        del lines[i]
    elif op == 1:  # duplicate a line (duplicate keys)
        lines.insert(i, lines[i])
    elif op == 2:  # truncate anywhere
        return raw[: rng.randrange(len(raw) + 1)]
    elif op == 3:  # bad bytes
        pos = rng.randrange(len(raw) + 1)
        return raw[:pos] + rng.choice(BYTES) + raw[pos:]
    elif op == 4:  # indent or dedent
        lines[i] = (b"  " + lines[i]) if rng.random() < 0.5 else lines[i].lstrip()
    elif op == 5 or op == 6:  # a nasty value for a key
        if b": " in lines[i]:
            k, _, _ = lines[i].partition(b": ")
            lines[i] = k + b": " + rng.choice(NASTY).encode()
        else:
            lines.insert(i, b"  " * rng.randrange(4) + b"x: " + rng.choice(NASTY).encode())
    elif op == 7:  # an alias bomb appended
        return raw + b"\n" + BOMB
    elif op == 8:  # deep nesting in block style
        depth = rng.choice([20, 40, 200])
        return raw + b"\n" + b"".join(b"  " * d + b"k%d:\n" % d for d in range(depth)) + b"  " * depth + b"v\n"
    elif op == 9:  # swap two lines
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 10:  # the wrong encoding
        return raw.decode("utf-8").encode(rng.choice(["utf-16", "utf-16-le", "utf-32", "latin-1"]), "replace")
    else:  # several mutations at once
        for _ in range(3):
            raw = _mutate(raw, rng)
        return raw
    return b"\n".join(lines)


CASES = [(base, seed) for base in BASES for seed in range(160)]


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("the loader tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("base,seed", CASES, ids=[f"{b.stem}-{s}" for b, s in CASES])
def test_a_mutated_stack_file_loads_or_fails_with_located_lines_only(tmp_path, base, seed, no_network):
    raw = _mutate(base.read_bytes(), random.Random(seed))
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(raw)
    tracemalloc.start()
    try:
        result = load_stack_file(path, display=SHOWN)
    except StackFileError as e:
        result = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if isinstance(result, StackFileError):
        lines = str(result).splitlines()
        assert lines and len(lines) <= MAX_ERRORS + 1
        for ln in lines:
            assert LINE.match(ln) or MORE.match(ln), ln
        assert "Traceback" not in str(result)
    else:
        assert isinstance(result, StackFile)
    # Bounded: a few hundred bytes per byte of input at most, never the gigabytes of a bomb.
    assert peak < 2_000_000 + 400 * len(raw), f"peak {peak:,} bytes for a {len(raw):,}-byte file"


def test_the_fuzz_covers_at_least_200_files_and_both_outcomes(tmp_path):
    outcomes = set()
    for base, seed in CASES:
        p = tmp_path / "f.yaml"
        p.write_bytes(_mutate(base.read_bytes(), random.Random(seed)))
        try:
            load_stack_file(p)
            outcomes.add("ok")
        except StackFileError:
            outcomes.add("error")
    assert len(CASES) >= 200 and outcomes == {"ok", "error"}
