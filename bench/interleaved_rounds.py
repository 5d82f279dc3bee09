"""Summary of interleaved wrk rounds (bench/scoring.lua's RESULT lines): each side's median and spread
(min-max) of throughput, p50 and p99, and the ratio of the first side's median to the second's.

    python3 bench/interleaved_rounds.py OUT_DIR ROUNDS LABEL SIDE_A SIDE_B

reads OUT_DIR/round-<n>-<side>.txt for n in 1..ROUNDS; fails on any non-200 answer.
"""
import re
import statistics
import sys

out, rounds, label, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]


def result(path):
    text = open(path).read()
    m = re.search(r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) p90_us=(\d+) p99_us=(\d+)", text)
    bad = re.findall(r"status_(?!200)\d+=\d+", text)
    if bad:
        sys.exit(f"{path}: non-200 answers {bad}")
    n, us, p50, _, p99 = map(int, m.groups())
    return n / (us / 1e6), p50 / 1000, p99 / 1000


def fmt(values, unit, digits):
    return f"{statistics.median(values):.{digits}f} {unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


rows = {side: [result(f"{out}/round-{r}-{side}.txt") for r in range(1, rounds + 1)] for side in (a, b)}
print(f"{rounds} interleaved rounds per side ({a} {b} {a} {b} ...), medians (min-max)")
for side in (a, b):
    print(f"{label} {side:6s} {fmt([r[0] for r in rows[side]], 'req/s', 0):28s}"
          f" p50 {fmt([r[1] for r in rows[side]], 'ms', 2):22s} p99 {fmt([r[2] for r in rows[side]], 'ms', 2)}")
ma = statistics.median(r[0] for r in rows[a])
mb = statistics.median(r[0] for r in rows[b])
print(f"{a}/{b} throughput ratio of medians: {ma / mb:.3f} ({(ma / mb - 1) * 100:+.1f} %)")
print(f"per round, {a}/{b}: " + " ".join(f"{x[0] / y[0]:.3f}" for x, y in zip(rows[a], rows[b])))
