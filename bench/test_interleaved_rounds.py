"""Tests of the benchmark harness (bench/interleaved_rounds.py): the statistics on fixed numbers, the
order of warm-ups and rounds, and short real runs of wrk and of the open-loop generator against a stub
server that counts what it receives. No assertion depends on how fast anything is.

    python3 -m unittest -v bench/test_interleaved_rounds.py     # from the repository root

`mvn -B verify` runs them (bench's InterleavedRoundsScriptTest), with CLASSPATH set to bench's test
class path so that the open-loop generator can run; by hand, without it, those tests are skipped.
Needs wrk (apt-get install wrk; .ci/run installs it).
"""
import asyncio
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interleaved_rounds as ir  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)


def result_line(requests, seconds, p50_ms, p99_ms, statuses=None, errors=0):
    statuses = statuses if statuses is not None else {200: requests}
    return (f"Running 15s test @ http://127.0.0.1/\nRESULT requests={requests} duration_us={round(seconds * 1e6)}"
            f" p50_us={round(p50_ms * 1000)} p90_us={round(p50_ms * 1500)} p99_us={round(p99_ms * 1000)}"
            f" max_us={round(p99_ms * 2000)} connect_errors=0 read_errors={errors} write_errors=0 timeouts=0"
            + "".join(f" status_{s}={n}" for s, n in statuses.items()) + "\n")


class Statistics(unittest.TestCase):
    def test_a_wrk_result_line_is_read_into_rate_and_milliseconds(self):
        r = ir.parse_result("wrk says things\n" + result_line(150000, 15, 0.85, 4.2, {200: 149990, 429: 10}))
        self.assertEqual(150000, r.requests)
        self.assertEqual(10000, r.rps)
        self.assertEqual((0.85, 4.2), (r.p50_ms, r.p99_ms))
        self.assertEqual(10, ir.non_200(r))
        self.assertEqual(0, r.errors)

    def test_the_open_loop_generators_line_is_read_too(self):
        r = ir.parse_result("RESULT requests=4000 duration_us=2000000 p50_us=510 p90_us=800 p99_us=2100 max_us=9000"
                            " connect_errors=0 read_errors=1 write_errors=0 timeouts=2 status_200=4000"
                            " open_loop_rate=2000.0 scheduled=4003 send_lag_p99_us=40")
        self.assertEqual((2000, 0.51, 2.1, 3, 0.04), (r.rps, r.p50_ms, r.p99_ms, r.errors, r.send_lag_p99_ms))
        self.assertIn("p99 wait for a connection 0.04 ms", ir.summary({"open-stack": [r]}))

    def test_no_result_line_is_an_error(self):
        with self.assertRaises(ValueError):
            ir.parse_result("unable to connect to 127.0.0.1:1 Connection refused\n")

    def test_median_and_spread(self):
        self.assertEqual((3, 1, 9), ir.median_spread([9, 1, 3]))
        self.assertEqual((2.5, 1, 4), ir.median_spread([4, 1, 3, 2]), "even count: the mean of the middle two")
        self.assertEqual("16912 (13401-16950)", ir.fmt([16950, 13401, 16912], 0))
        self.assertEqual("0.90 ms (0.85-1.02)", ir.fmt([1.02, 0.9, 0.85], 2, "ms"))

    def test_rounds_interleave_every_configuration_in_the_same_order(self):
        self.assertEqual([(1, "peer"), (1, "stack"), (2, "peer"), (2, "stack"), (3, "peer"), (3, "stack")],
                         ir.round_order(["peer", "stack"], 3))

    def test_placeholders(self):
        self.assertEqual(["wrk", "-d15s", "--rate", "8000"],
                         ir.substitute(["wrk", "-d{seconds}s", "--rate", "{rate}"], 15, 8000))
        with self.assertRaises(ValueError):
            ir.substitute(["--rate", "{rate}"], 15)


class PlanWithFixedNumbers(unittest.TestCase):
    """run_plan with a stand-in for the loads: what runs in which order, and what the summary says."""

    # req/s, p50 and p99 of each configuration's rounds 1, 2, 3
    NUMBERS = {"peer": [(16000, 0.9, 3.8), (13000, 1.0, 4.1), (17000, 0.8, 3.6)],
               "stack": [(18000, 0.7, 5.5), (15000, 0.8, 6.0), (20000, 0.6, 5.0)],
               "ceiling": [(30000, 0.3, 2.0), (28000, 0.3, 2.2), (40000, 0.2, 1.9)],
               "open-stack": [(9000, 0.5, 1.9), (9000, 0.6, 2.5), (9000, 0.5, 2.0)]}

    def setUp(self):
        self.out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.out)
        self.calls = []

    def fake_run(self, argv, path, timeout):
        self.calls.append((os.path.basename(path), argv))
        name = os.path.basename(path)[:-len(".txt")]
        if name.startswith("warmup-"):
            return result_line(1, 1, 1, 1)
        r, config = name[len("round-"):].split("-", 1)
        rps, p50, p99 = self.NUMBERS[config][int(r) - 1]
        return result_line(rps * 10, 10, p50, p99)

    def plan(self):
        def config(name):
            return {"name": name, "argv": ["load", name, "-d{seconds}s"]}
        return {"phases": [{"rounds": 3, "warmup": 30, "duration": 10, "pause": 0,
                            "configs": [config("peer"), config("stack"), config("ceiling")]},
                           {"rounds": 3, "warmup": 0, "duration": 10, "rate": {"of": "stack", "fraction": 0.5},
                            "configs": [{"name": "open-stack", "argv": ["open", "--rate", "{rate}", "{seconds}"]}]}],
                "ratios": [["stack", "peer"], ["stack", "ceiling"], ["open-stack", "stack"]]}

    def test_warm_ups_first_then_rounds_a_b_c_a_b_c_then_the_open_loop_at_half_the_median(self):
        ir.run_plan(self.plan(), self.out, run=self.fake_run, log=io.StringIO(), sleep=lambda s: None)
        self.assertEqual(["warmup-peer.txt", "warmup-stack.txt", "warmup-ceiling.txt",
                          "round-1-peer.txt", "round-1-stack.txt", "round-1-ceiling.txt",
                          "round-2-peer.txt", "round-2-stack.txt", "round-2-ceiling.txt",
                          "round-3-peer.txt", "round-3-stack.txt", "round-3-ceiling.txt",
                          "round-1-open-stack.txt", "round-2-open-stack.txt", "round-3-open-stack.txt"],
                         [path for path, _ in self.calls])
        self.assertEqual(["load", "peer", "-d30s"], self.calls[0][1], "warm-ups last the warm-up time")
        self.assertEqual(["load", "peer", "-d10s"], self.calls[3][1], "rounds the round time")
        self.assertEqual(["open", "--rate", "9000", "10"], self.calls[-1][1], "half of stack's median, 18000")

    def test_the_summary_gives_medians_spreads_and_ratios_of_medians(self):
        results, rates = ir.run_plan(self.plan(), self.out, run=self.fake_run, log=io.StringIO(),
                                     sleep=lambda s: None)
        text = ir.summary(results, self.plan()["ratios"], rates)
        lines = {line.split()[0]: line for line in text.splitlines()}
        self.assertRegex(lines["peer"], r"^peer +16000 \(13000-17000\) +0\.90 \(0\.80-1\.00\) +3\.80 \(3\.60-4\.10\)$")
        self.assertRegex(lines["stack"], r"^stack +18000 \(15000-20000\) +0\.70 \(0\.60-0\.80\) +5\.50 \(5\.00-6\.00\)$")
        self.assertRegex(lines["ceiling"], r"^ceiling +30000 \(28000-40000\) +0\.30 \(0\.20-0\.30\) +2\.00 \(1\.90-2\.20\)$")
        self.assertRegex(lines["open-stack"], r"^open-stack +9000 \(9000-9000\) +0\.50 \(0\.50-0\.60\)"
                                              r" +2\.00 \(1\.90-2\.50\) +open loop at 9000 req/s$")
        self.assertIn("stack/peer throughput, ratio of medians: 1.12 (same round: 1.12 1.15 1.18)", text)
        self.assertIn("stack/ceiling throughput, ratio of medians: 0.60 (same round: 0.60 0.54 0.50)", text)
        self.assertIn("3 interleaved rounds per configuration (peer stack ceiling open-stack)", text)

    def test_every_round_is_kept_in_rounds_tsv(self):
        ir.run_plan(self.plan(), self.out, run=self.fake_run, log=io.StringIO(), sleep=lambda s: None)
        rows = [line.split("\t") for line in ir.read(os.path.join(self.out, "rounds.tsv")).splitlines()]
        self.assertEqual(["round", "config"], rows[0][:2])
        self.assertEqual(12, len(rows) - 1, "4 configurations x 3 rounds, no warm-ups")
        self.assertEqual(["2", "stack"], rows[5][:2])
        self.assertEqual("15000.0", rows[5][5])

    def test_non_200_answers_are_named_in_the_summary(self):
        bad = ir.parse_result(result_line(100, 1, 1, 2, {200: 90, 429: 7, 503: 3}))
        text = ir.summary({"stack": [bad, bad, bad]})
        self.assertIn("NON-200 ANSWERS: 30 (429, 503)", text)


class MetricsOfRoundsAlreadyRun(unittest.TestCase):
    """`interleaved_rounds.py metrics`: the METRIC lines a script appended to each round (run-gc.sh)."""

    def setUp(self):
        self.out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.out)

    def write(self, n, side, rps, metrics, statuses=None):
        with open(os.path.join(self.out, f"round-{n}-{side}.txt"), "w") as f:
            f.write(result_line(rps * 10, 10, 0.8, 4.0, statuses)
                    + "".join(f"METRIC {k}={v}\n" for k, v in metrics.items()) + "CPU ticks=5 hz=100\n")

    def test_metric_lines_are_read_in_order_and_other_lines_ignored(self):
        text = result_line(1, 1, 1, 1) + "METRIC b_first=2.5e+06\nMETRIC a_second=-1\nMETRIC bad=x\nnot METRIC c=1\n"
        self.assertEqual({"b_first": 2.5e6, "a_second": -1.0}, ir.parse_metrics(text))
        self.assertEqual(["b_first", "a_second"], list(ir.parse_metrics(text)))

    def test_digits_by_size_and_none_for_counts(self):
        self.assertEqual([0, 0, 1, 2, 3], [ir.auto_digits(v) for v in ([3, 12], [150.5, 2.5], [12.5], [1.25], [0.05])])

    def test_medians_spreads_and_the_ratio_of_the_second_side_to_the_first(self):
        for n, (g1, zgc) in enumerate([((16000, 25000.4, 3), (10000, 30000.4, 9)),
                                       ((15000, 25100.4, 5), (11000, 30100.4, 7)),
                                       ((17000, 24900.4, 4), (10500, 29900.4, 8))], 1):
            self.write(n, "g1", g1[0], {"allocated_bytes_per_request": g1[1], "gc_pauses": g1[2]})
            self.write(n, "zgc", zgc[0], {"allocated_bytes_per_request": zgc[1], "gc_pauses": zgc[2],
                                          "only_zgc": 1})
        text = ir.metrics_summary(self.out, 3, "g1", "zgc")
        lines = {line.split()[0]: line for line in text.splitlines()[2:]}
        self.assertIn("3 interleaved rounds per side (g1 zgc g1 zgc ...)", text)
        self.assertRegex(lines["req/s"], r"^req/s +16000 \(15000-17000\) +10500 \(10000-11000\) +0\.66$")
        self.assertRegex(lines["allocated_bytes_per_request"],
                         r" 25000 \(24900-25100\) +30000 \(29900-30100\) +1\.20$")
        self.assertRegex(lines["gc_pauses"], r" 4 \(3-5\) +8 \(7-9\) +2\.00$")
        self.assertRegex(lines["p99_ms"], r" 4\.00 \(4\.00-4\.00\) .* 1\.00$")
        self.assertIn("(not in every round)", lines["only_zgc"])

    def test_a_non_200_answer_fails_the_summary(self):
        for side in ("a", "b"):
            self.write(1, side, 100, {"x": 1}, {200: 999, 503: 1} if side == "b" else None)
        with self.assertRaises(SystemExit):
            ir.metrics_summary(self.out, 1, "a", "b")


class Stub:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every request `200 {}` and keeps the path
    of each request in arrival order. One thread and one asyncio loop, so requests are logged in the
    order they are read."""

    def __init__(self):
        self.paths = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.serve, "127.0.0.1", 0), self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def serve(self, reader, writer):
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                length = next((int(h.split(":", 1)[1]) for h in head[1:] if h.lower().startswith("content-length:")), 0)
                if length:
                    await reader.readexactly(length)
                self.paths.append(head[0].split(" ")[1])
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def count(self, path):
        return sum(1 for p in self.paths if p == path)

    def blocks(self):
        """The paths with repeats collapsed: a b a b ... when the loads ran one at a time, in that order."""
        out = []
        for p in self.paths:
            if not out or out[-1] != p:
                out.append(p)
        return out

    def close(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def wrk_argv(url, connections=2):
    return ["wrk", "-t1", f"-c{connections}", "-d{seconds}s", "--latency", "-s", os.path.join(BENCH, "scoring.lua"), url]


class AgainstAStubServer(unittest.TestCase):
    def setUp(self):
        if shutil.which("wrk") is None:
            self.fail("wrk is not on the PATH: apt-get install wrk (.ci/run installs it)")
        self.out = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.out)
        self.stub = Stub()
        self.addCleanup(self.stub.close)
        self.url = f"http://127.0.0.1:{self.stub.port}"

    def counted(self, name):
        """What the harness's output files say were answered for a configuration, warm-up included."""
        total = 0
        for f in os.listdir(self.out):
            if f.endswith(f"-{name}.txt"):
                total += ir.parse_result(ir.read(os.path.join(self.out, f))).requests
        return total

    def test_wrk_rounds_run_one_at_a_time_in_order_and_count_what_the_server_answered(self):
        plan = {"phases": [{"rounds": 2, "warmup": 1, "duration": 1, "pause": 0.3,
                            "configs": [{"name": "a", "argv": wrk_argv(self.url + "/a")},
                                        {"name": "b", "argv": wrk_argv(self.url + "/b")}]}],
                "ratios": [["a", "b"]]}
        results, _ = ir.run_plan(plan, self.out, log=io.StringIO())
        self.assertEqual(["/a", "/b", "/a", "/b", "/a", "/b"], self.stub.blocks(),
                         "warm-up a, warm-up b, then rounds a b a b, never two at once")
        for name in ("a", "b"):
            served, counted = self.stub.count("/" + name), self.counted(name)
            self.assertGreater(counted, 0)
            # wrk counts the answers it read; requests in flight when it stops (at most one per
            # connection per run, 3 runs x 2 connections) reached the server but are not counted
            self.assertTrue(0 <= served - counted <= 6, f"{name}: the server answered {served}, wrk counted {counted}")
            self.assertEqual(2, len(results[name]))
            self.assertEqual(sum(r.requests for r in results[name]),
                             counted - ir.parse_result(ir.read(os.path.join(self.out, f"warmup-{name}.txt"))).requests)
        text = ir.summary(results, plan["ratios"])
        self.assertIn("a/b throughput, ratio of medians:", text)
        self.assertNotIn("NON-200", text)

    @unittest.skipUnless(os.environ.get("CLASSPATH", "").count("bench"),
                         "the open-loop generator needs bench's class path in CLASSPATH (mvn -B verify sets it)")
    def test_the_open_loop_phase_runs_at_a_fraction_of_an_earlier_median_and_counts_exactly(self):
        java = os.environ.get("BENCH_JAVA", "java")

        def open_loop(path):
            return [java, "io.inferbus.bench.load.OpenLoop", "--url", self.url + path, "--rate", "{rate}",
                    "--seconds", "{seconds}", "--lead-in", "0.5", "--connections", "2", "--body",
                    os.path.join(ROOT, "examples", "credit-scoring", "sample-request.json")]
        plan = {"phases": [{"rounds": 1, "warmup": 0, "duration": 1, "pause": 0.3,
                            "configs": [{"name": "a", "argv": wrk_argv(self.url + "/a")}]},
                           {"rounds": 1, "warmup": 0, "duration": 1, "pause": 0.3,
                            "rate": {"of": "a", "fraction": 0.05},
                            "configs": [{"name": "open-a", "argv": open_loop("/open-a")},
                                        {"name": "open-b", "argv": open_loop("/open-b")}]}]}
        results, rates = ir.run_plan(plan, self.out, log=io.StringIO())
        rate = rates["open-a"]
        self.assertEqual(round(0.05 * results["a"][0].rps), rate)
        self.assertEqual(["/a", "/open-a", "/open-b"], self.stub.blocks())
        for name in ("open-a", "open-b"):
            r = results[name][0]
            self.assertEqual(round(rate * 1), r.requests, "every scheduled request of the measured second answered")
            self.assertEqual({200: r.requests}, r.statuses)
            # the server also got one request per connection (opening them) and the lead-in's
            lead_in = int(rate * 0.5 + 0.5)  # as Java's Math.round
            self.assertEqual(2 + lead_in + r.requests, self.stub.count("/" + name))


if __name__ == "__main__":
    unittest.main()
