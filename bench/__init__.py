"""``make bench``: the real engine against a generated 10,000-user emulator org (issue #8).

``python -m bench`` runs every scenario and writes ``bench/results/bench.json``; see
``bench/README.md`` for what is measured and the numbers.
"""
