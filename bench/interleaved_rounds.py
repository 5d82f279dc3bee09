"""Interleaved rounds: run them, and summarize them. The one implementation of the statistics of the
bench scripts that compare configurations (run-vs-peer.sh, run-request-logging.sh, run-gc.sh,
run-event-bus-tls.sh).

A round loads one configuration at a time, the others idle, in the same order every round:
A B C A B C ... Each configuration has its own warm-up before the first round. A load is a command
that prints a RESULT line: wrk with bench/scoring.lua, or bench's open-loop generator
(io.inferbus.bench.load.OpenLoop). Per configuration the summary gives the median and the spread
(min-max) over the rounds of throughput, p50 and p99, and the ratios of medians it is asked for.

    python3 bench/interleaved_rounds.py OUT_DIR ROUNDS LABEL SIDE_A SIDE_B
        summarizes rounds already run: OUT_DIR/round-<n>-<side>.txt for n in 1..ROUNDS, and the ratio
        SIDE_A/SIDE_B; fails on any non-200 answer (benchmarks E and F).

    python3 bench/interleaved_rounds.py metrics OUT_DIR ROUNDS SIDE_A SIDE_B
        the same rounds, and every `METRIC name=value` line a script appended to a round's output
        (node CPU, bytes, GC pauses, ...; bench/run-gc.sh): per side the median and spread of each,
        and the ratio SIDE_B/SIDE_A of the medians; fails on any non-200 answer.

    python3 bench/interleaved_rounds.py run PLAN_JSON OUT_DIR
        runs a plan (below), keeps every load's output in OUT_DIR, every round's numbers in
        OUT_DIR/rounds.tsv, and prints the summary (also OUT_DIR/summary.txt); exits 1 when an
        answer was not a 200.

A plan (what bench/run-vs-peer.sh writes):

    {"title": "...",
     "phases": [{"rounds": 5, "warmup": 30, "duration": 15, "pause": 1,
                 "configs": [{"name": "peer", "argv": ["wrk", "-d{seconds}s", ...]}, ...]},
                {"rounds": 5, "warmup": 0, "duration": 15, "rate": {"of": "stack", "fraction": 0.5},
                 "configs": [{"name": "open-stack", "argv": [..., "--rate", "{rate}", ...]}]}],
     "ratios": [["stack", "peer"], ...]}

Phases run one after the other; in argv, {seconds} is the warm-up's or the round's length and {rate}
the phase's rate: `fraction` of the median throughput an earlier phase measured for `of`.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import namedtuple

# send_lag_p99_ms: the open-loop generator's p99 wait for a connection past a request's intended time
# (None for wrk)
Round = namedtuple("Round", "requests seconds rps p50_ms p90_ms p99_ms max_ms statuses errors send_lag_p99_ms")


def parse_result(text):
    """The numbers of the last RESULT line in a load's output."""
    lines = [line for line in text.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise ValueError("no RESULT line in the load's output")
    fields = dict(re.findall(r"(\w+)=([\d.]+)", lines[-1]))
    statuses = {int(k[len("status_"):]): int(v) for k, v in fields.items() if k.startswith("status_")}
    errors = sum(int(fields.get(k, 0)) for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    seconds = int(fields["duration_us"]) / 1e6
    requests = int(fields["requests"])
    lag = fields.get("send_lag_p99_us")
    return Round(requests, seconds, requests / seconds, int(fields["p50_us"]) / 1000,
                 int(fields["p90_us"]) / 1000, int(fields["p99_us"]) / 1000, int(fields["max_us"]) / 1000,
                 statuses, errors, None if lag is None else int(lag) / 1000)


def non_200(r):
    return sum(n for status, n in r.statuses.items() if status != 200)


def median_spread(values):
    """(median, min, max)"""
    values = list(values)
    return statistics.median(values), min(values), max(values)


def fmt(values, digits, unit=None):
    """ "median (min-max)", or "median unit (min-max)" """
    m, lo, hi = median_spread(values)
    return f"{m:.{digits}f}{' ' + unit if unit else ''} ({lo:.{digits}f}-{hi:.{digits}f})"


def round_order(names, rounds):
    """(round, name) in the order they run: every configuration once per round, the same order each round."""
    return [(r, name) for r in range(1, rounds + 1) for name in names]


def substitute(argv, seconds, rate=None):
    out = []
    for arg in argv:
        arg = arg.replace("{seconds}", str(seconds))
        if "{rate}" in arg:
            if rate is None:
                raise ValueError(f"{arg}: this phase has no rate")
            arg = arg.replace("{rate}", str(rate))
        out.append(arg)
    return out


def read(path):
    with open(path) as f:
        return f.read()


def execute(argv, path, timeout):
    """Runs one load, its output (stdout and stderr) into path; returns the output."""
    with open(path, "w") as f:
        p = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, timeout=timeout)
    text = read(path)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}... exited {p.returncode}; its output is in {path}:\n{text[-2000:]}")
    return text


def phase_rate(phase, results):
    spec = phase.get("rate")
    if spec is None:
        return None
    rounds = results.get(spec["of"])
    if not rounds:
        raise ValueError(f"the rate is a fraction of {spec['of']}'s throughput, which no earlier phase measured")
    return round(spec["fraction"] * statistics.median(r.rps for r in rounds))


def run_plan(plan, out, run=execute, log=sys.stderr, sleep=time.sleep):
    """Runs every phase; returns ({config: [Round per round]}, {config: rate of its phase}).

    run(argv, path, timeout) runs one load and returns its output (the tests pass a stand-in)."""
    results, rates = {}, {}
    with open(os.path.join(out, "rounds.tsv"), "w") as tsv:
        tsv.write("round\tconfig\tstart\trequests\tseconds\treq_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tnon_200"
                  "\tsocket_errors\tsend_lag_p99_ms\n")
        for phase in plan["phases"]:
            names = [c["name"] for c in phase["configs"]]
            argv = {c["name"]: c["argv"] for c in phase["configs"]}
            rate = phase_rate(phase, results)
            pause = phase.get("pause", 1)
            for name in names:
                rates[name] = rate
                results[name] = []
            if phase.get("warmup", 0) > 0:
                for name in names:
                    print(f"== warm-up {name} {phase['warmup']}s", file=log, flush=True)
                    sleep(pause)
                    run(substitute(argv[name], phase["warmup"], rate), os.path.join(out, f"warmup-{name}.txt"),
                        phase["warmup"] + 120)
            for r, name in round_order(names, phase["rounds"]):
                print(f"== round {r}: {name} {phase['duration']}s" + (f" at {rate} req/s" if rate else ""),
                      file=log, flush=True)
                sleep(pause)
                start = time.time()
                text = run(substitute(argv[name], phase["duration"], rate),
                           os.path.join(out, f"round-{r}-{name}.txt"), phase["duration"] + 120)
                x = parse_result(text)
                results[name].append(x)
                tsv.write(f"{r}\t{name}\t{start:.3f}\t{x.requests}\t{x.seconds:.3f}\t{x.rps:.1f}\t{x.p50_ms:.3f}"
                          f"\t{x.p90_ms:.3f}\t{x.p99_ms:.3f}\t{x.max_ms:.3f}\t{non_200(x)}\t{x.errors}"
                          f"\t{'' if x.send_lag_p99_ms is None else f'{x.send_lag_p99_ms:.3f}'}\n")
                tsv.flush()
    return results, rates


def summary(results, ratios=(), rates=None, title=None):
    """The table: per configuration, median (min-max) of req/s, p50 and p99; then the ratios of medians."""
    rates = rates or {}
    names = list(results)
    rounds = {len(v) for v in results.values()}
    lines = []
    if title:
        lines.append(title)
    lines.append(f"{'/'.join(map(str, sorted(rounds)))} interleaved rounds per configuration ({' '.join(names)}), "
                 "medians (min-max)")
    lines.append(f"{'configuration':16s} {'req/s':26s} {'p50 ms':22s} {'p99 ms':22s} note")
    for name in names:
        rs = results[name]
        notes = []
        if rates.get(name):
            notes.append(f"open loop at {rates[name]} req/s")
        if all(r.send_lag_p99_ms is not None for r in rs):
            notes.append(f"p99 wait for a connection {statistics.median(r.send_lag_p99_ms for r in rs):.2f} ms")
        bad, errors = sum(non_200(r) for r in rs), sum(r.errors for r in rs)
        if bad:
            codes = sorted({s for r in rs for s in r.statuses if s != 200})
            notes.append(f"NON-200 ANSWERS: {bad} ({', '.join(map(str, codes))})")
        if errors:
            notes.append(f"socket errors or timeouts: {errors}")
        lines.append(f"{name:16s} {fmt([r.rps for r in rs], 0):26s} {fmt([r.p50_ms for r in rs], 2):22s}"
                     f" {fmt([r.p99_ms for r in rs], 2):22s} {'; '.join(notes)}".rstrip())
    for a, b in ratios:
        if a in results and b in results:
            ma = statistics.median(r.rps for r in results[a])
            mb = statistics.median(r.rps for r in results[b])
            per_round = " ".join(f"{x.rps / y.rps:.2f}" for x, y in zip(results[a], results[b]))
            lines.append(f"{a}/{b} throughput, ratio of medians: {ma / mb:.2f} (same round: {per_round})")
    return "\n".join(lines)


def legacy_summary(out, rounds, label, a, b):
    """Benchmarks E and F: two sides, rounds already run; exits on any non-200 answer."""
    rows = {}
    for side in (a, b):
        rows[side] = []
        for n in range(1, rounds + 1):
            path = f"{out}/round-{n}-{side}.txt"
            r = parse_result(read(path))
            if non_200(r):
                sys.exit(f"{path}: non-200 answers {r.statuses}")
            rows[side].append(r)
    print(f"{rounds} interleaved rounds per side ({a} {b} {a} {b} ...), medians (min-max)")
    for side in (a, b):
        print(f"{label} {side:6s} {fmt([r.rps for r in rows[side]], 0, 'req/s'):28s}"
              f" p50 {fmt([r.p50_ms for r in rows[side]], 2, 'ms'):22s} p99 {fmt([r.p99_ms for r in rows[side]], 2, 'ms')}")
    ma = statistics.median(r.rps for r in rows[a])
    mb = statistics.median(r.rps for r in rows[b])
    print(f"{a}/{b} throughput ratio of medians: {ma / mb:.3f} ({(ma / mb - 1) * 100:+.1f} %)")
    print(f"per round, {a}/{b}: " + " ".join(f"{x.rps / y.rps:.3f}" for x, y in zip(rows[a], rows[b])))


def parse_metrics(text):
    """{name: value} of the `METRIC name=value` lines in a round's output, in the order they appear."""
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"^METRIC (\w+)=(-?[\d.]+(?:[eE][-+]?\d+)?)$", text, re.M)}


def auto_digits(values):
    """Decimals enough for the values' size: none for counts and from 100 up, 1 from 10, 2 below, 3
    below 0.1."""
    if all(float(v).is_integer() for v in values):
        return 0
    m = max(abs(v) for v in values)
    return 0 if m >= 100 else 1 if m >= 10 else 2 if m >= 0.1 else 3


def metrics_summary(out, rounds, a, b):
    """Two sides' rounds already run, with METRIC lines: a row per number, columns a, b and b/a."""
    rows = {}  # name -> {side: [value per round]}
    for side in (a, b):
        for n in range(1, rounds + 1):
            path = f"{out}/round-{n}-{side}.txt"
            text = read(path)
            r = parse_result(text)
            if non_200(r):
                sys.exit(f"{path}: non-200 answers {r.statuses}")
            numbers = {"req/s": r.rps, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms, **parse_metrics(text)}
            for name, value in numbers.items():
                rows.setdefault(name, {}).setdefault(side, []).append(value)
    lines = [f"{rounds} interleaved rounds per side ({a} {b} {a} {b} ...), medians (min-max)",
             f"{'':38s} {a:28s} {b:28s} {b}/{a}"]
    for name, sides in rows.items():
        if any(len(sides.get(side, [])) != rounds for side in (a, b)):
            lines.append(f"{name:38s} (not in every round)")
            continue
        digits = {"req/s": 0, "p50_ms": 2, "p99_ms": 2}.get(name)
        if digits is None:
            digits = auto_digits(sides[a] + sides[b])
        ma, mb = statistics.median(sides[a]), statistics.median(sides[b])
        ratio = f"{mb / ma:.2f}" if ma else "-"
        lines.append(f"{name:38s} {fmt(sides[a], digits):28s} {fmt(sides[b], digits):28s} {ratio}")
    return "\n".join(lines)


def main(args):
    if args and args[0] == "run":
        if len(args) != 3:
            sys.exit("usage: interleaved_rounds.py run PLAN_JSON OUT_DIR")
        plan = json.loads(read(args[1]))
        out = args[2]
        os.makedirs(out, exist_ok=True)
        results, rates = run_plan(plan, out)
        text = summary(results, [tuple(r) for r in plan.get("ratios", [])], rates, plan.get("title"))
        with open(os.path.join(out, "summary.txt"), "w") as f:
            f.write(text + "\n")
        print(text)
        if any(non_200(r) for rs in results.values() for r in rs):
            sys.exit(1)
        return
    if args and args[0] == "metrics":
        if len(args) != 5:
            sys.exit("usage: interleaved_rounds.py metrics OUT_DIR ROUNDS SIDE_A SIDE_B")
        print(metrics_summary(args[1], int(args[2]), args[3], args[4]))
        return
    if len(args) != 5:
        sys.exit(__doc__)
    legacy_summary(args[0], int(args[1]), args[2], args[3], args[4])


if __name__ == "__main__":
    main(sys.argv[1:])
