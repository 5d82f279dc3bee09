"""Tests of bench/node_measure.py: what a window's JFR recording, Prometheus pages and perf samples
become, on fixed inputs; and one real recording with bench/window.jfc of a JVM that allocates a known
number of bytes (a few seconds: it compiles a small program with the JDK's source launcher).

    python3 -m unittest -v bench/test_node_measure.py     # from the repository root
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import node_measure as nm  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))

BEFORE = """# bench scraped at 1000.0
# HELP jvm_gc_memory_allocated_bytes_total Incremented for an increase in the size of the young generation
# TYPE jvm_gc_memory_allocated_bytes_total counter
jvm_gc_memory_allocated_bytes_total 2.18103808E8
jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 10
jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.05
jvm_gc_pause_seconds_max{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.009
inferbus_gateway_requests_total{code="200",deployment="blue",endpoint="credit"} 1000
inferbus_gateway_requests_total{code="401",deployment="",endpoint="credit"} 3
inferbus_gateway_requests_total_other 5
"""
AFTER = """# bench scraped at 1010.0
jvm_gc_memory_allocated_bytes_total 4.18103808E8
jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 12
jvm_gc_pause_seconds_count{action="end of major GC",cause="System.gc()",gc="G1 Old Generation"} 1
jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.06
jvm_gc_pause_seconds_sum{action="end of major GC",cause="System.gc()",gc="G1 Old Generation"} 0.2
inferbus_gateway_requests_total{code="200",deployment="blue",endpoint="credit"} 11000
inferbus_gateway_requests_total{code="401",deployment="",endpoint="credit"} 3
"""


def allocation(time, thread, allocated):
    return {"type": "jdk.ThreadAllocationStatistics",
            "values": {"startTime": f"2026-12-06T11:20:{time}Z", "allocated": allocated,
                       "thread": None if thread is None else {"javaName": f"t{thread}", "javaThreadId": thread}}}


def event(kind, **values):
    return {"type": kind, "values": values}


class Prometheus(unittest.TestCase):
    def test_a_total_sums_every_series_of_the_name_and_no_other_name(self):
        self.assertEqual(1003, nm.metric_total(BEFORE, "inferbus_gateway_requests_total"))
        self.assertEqual(2.18103808e8, nm.metric_total(BEFORE, "jvm_gc_memory_allocated_bytes_total"))
        self.assertIsNone(nm.metric_total(BEFORE, "jvm_gc_memory_promoted_bytes_total"))

    def test_deltas_count_series_that_appeared_in_between(self):
        self.assertEqual(3, nm.metric_delta(BEFORE, AFTER, "jvm_gc_pause_seconds_count"))
        self.assertAlmostEqual(0.21, nm.metric_delta(BEFORE, AFTER, "jvm_gc_pause_seconds_sum"))
        self.assertIsNone(nm.metric_delta(BEFORE, AFTER, "no_such_metric"))

    def test_the_scrape_time_is_the_header_the_scripts_write(self):
        self.assertEqual(1000.0, nm.scrape_time(BEFORE))
        self.assertIsNone(nm.scrape_time("jvm_x 1\n"))


class Jfr(unittest.TestCase):
    def test_durations_and_instants_as_jfr_print_json_writes_them(self):
        self.assertAlmostEqual(0.141739, nm.duration_ms("PT0.000141739S"))
        self.assertAlmostEqual(62500, nm.duration_ms("PT1M2.5S"))
        self.assertEqual(0, nm.duration_ms("PT0S"))
        self.assertAlmostEqual(1.5, nm.instant_s("2026-12-06T11:20:38.683973756Z")
                               - nm.instant_s("2026-12-06T11:20:37.183973756Z"), places=6)
        self.assertAlmostEqual(2.0, nm.instant_s("2026-12-07T00:00:01Z") - nm.instant_s("2026-12-06T23:59:59Z"))

    def test_bytes_are_each_threads_growth_over_the_window_and_pauses_are_summed(self):
        events = [allocation("30.000001", 1, 1000), allocation("30.000002", 2, 5000), allocation("30.000003", 3, 7),
                  allocation("30.000004", None, 99),
                  event("jdk.GarbageCollection", name="G1New", sumOfPauses="PT0.002S"),
                  event("jdk.GCPhasePause", name="GC Pause", duration="PT0.002S"),
                  event("jdk.GCPhasePause", name="Pause Remark", duration="PT0.0005S"),
                  event("jdk.ZAllocationStall", duration="PT0.004S"),
                  allocation("45.000001", 1, 301000), allocation("45.000002", 2, 5000),
                  allocation("45.000003", 4, 2000)]
        r = nm.summarize_jfr(events)
        # thread 1 grew by 300000, 2 by nothing, 4 was born in the window with 2000, 3 ended: lost
        self.assertEqual(302000, r.allocated_bytes)
        self.assertEqual(1, r.threads_ended)
        self.assertAlmostEqual(15.0, r.seconds, places=3)
        self.assertEqual((1, 2, 2.5, 2.0, 1, 4.0), (r.collections, r.pauses, round(r.pause_ms, 6),
                                                   round(r.longest_pause_ms, 6), r.stalls, round(r.stall_ms, 6)))

    def test_a_recording_without_allocation_statistics_is_an_error(self):
        with self.assertRaises(ValueError):
            nm.summarize_jfr([event("jdk.GCPhasePause", duration="PT0.001S")])


class RealRecording(unittest.TestCase):
    """bench/window.jfc in a JVM that allocates 64 MiB inside a recording, then collects."""

    SOURCE = """
import java.nio.file.Path;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

public class Allocate {
  static volatile byte[] sink;

  public static void main(String[] args) throws Exception {
    try (Recording r = new Recording(Configuration.create(Path.of(args[0])))) {
      r.start();
      for (int i = 0; i < 64; i++) {
        sink = new byte[1 << 20];
      }
      System.gc();
      r.stop();
      r.dump(Path.of(args[1]));
    }
  }
}
"""

    def test_the_recording_counts_the_bytes_the_thread_allocated_and_the_collections(self):
        java = os.environ.get("BENCH_JAVA") or shutil.which("java")
        self.assertIsNotNone(java, "java is not on the PATH")
        jfr = os.path.join(os.path.dirname(os.path.realpath(java)), "jfr")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        source = os.path.join(tmp, "Allocate.java")
        with open(source, "w") as f:
            f.write(self.SOURCE)
        recording = os.path.join(tmp, "window.jfr")
        for collector in ("-XX:+UseG1GC", "-XX:+UseZGC"):
            with self.subTest(collector=collector):
                subprocess.run([java, collector, "-Xmx256m", source, os.path.join(BENCH, "window.jfc"), recording],
                               check=True, timeout=120, capture_output=True)
                r = nm.read_jfr(recording, jfr)
                mib = 1 << 20
                self.assertGreaterEqual(r.allocated_bytes, 64 * mib)
                self.assertLess(r.allocated_bytes, 65 * mib, "the loop's arrays and little else")
                self.assertGreaterEqual(r.collections, 1, "System.gc() at least")
                self.assertGreaterEqual(r.pauses, 1)
                self.assertGreater(r.pause_ms, 0)


class Round(unittest.TestCase):
    def test_a_rounds_numbers_per_request(self):
        wrk = "RESULT requests=10000 duration_us=10000000 p50_us=800 p90_us=1200 p99_us=4000 max_us=9000 status_200=10000\n"
        jfr = nm.Jfr(15.2, 250_000_000, 0, 3, 9, 1.5, 0.4, 2, 7.0)
        values = dict(nm.round_metrics(wrk, jfr, BEFORE, AFTER, cpu_ticks=80, hz=100, rss_kb=1024 * 600,
                                       pss_kb=1024 * 300))
        self.assertAlmostEqual(80.0, values["node_cpu_us_per_request"])  # 0.8 s / 10000
        self.assertEqual(25000, values["allocated_bytes_per_request"])
        self.assertEqual((3, 9, 1.5, 0.4, 2, 7.0), tuple(values[k] for k in (
            "gc_collections", "gc_pauses", "gc_pause_ms_total", "gc_pause_ms_longest", "allocation_stalls",
            "allocation_stall_ms_total")))
        self.assertEqual((600, 300), (values["rss_mb_after"], values["pss_mb_after"]))
        self.assertEqual(20000, values["metrics_allocated_bytes_per_request"])
        self.assertEqual(3, values["metrics_gc_pauses"])
        self.assertAlmostEqual(210, values["metrics_gc_pause_ms_total"])


DUMP = '''2026-12-06 11:20:37
Full thread dump OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing):

"vert.x-eventloop-thread-0" #27 prio=5 os_prio=0 cpu=1.00ms elapsed=9.00s tid=0x00007f nid=0x65 runnable  [0x00007f]
   java.lang.Thread.State: RUNNABLE

"inferbus-instance-credit.blue.2b706de4-0" #80 prio=5 os_prio=0 cpu=1.00ms elapsed=9.00s tid=0x00007f nid=0x66 waiting
"inferbus-instance-logs-12345" #81 daemon prio=5 os_prio=0 cpu=1.00ms elapsed=9.00s tid=0x00007f nid=0x67 waiting
"inferbus-model-run-0" #82 daemon prio=5 os_prio=0 cpu=1.00ms elapsed=9.00s tid=0x00007f nid=0x68 waiting
"vert.x-worker-thread-3" #30 prio=5 os_prio=0 tid=0x00007f nid=0x69 waiting
"vert.x-internal-blocking-0" #31 prio=5 os_prio=0 tid=0x00007f nid=0x6a waiting
"hz.lucid_spence.cached.thread-3" #40 prio=5 os_prio=0 tid=0x00007f nid=0x6b waiting
"lucid_spence-NioNetworking-closeListenerExecutor" #41 prio=5 os_prio=0 tid=0x00007f nid=0x6c waiting
"C2 CompilerThread0" #6 daemon prio=9 os_prio=0 tid=0x00007f nid=0x6d waiting
"VM Thread" os_prio=0 cpu=30.00ms elapsed=9.00s tid=0x00007f nid=0x6e runnable
"GC Thread#0" os_prio=0 cpu=30.00ms elapsed=9.00s tid=0x00007f nid=0x6f runnable
"G1 Conc#0" os_prio=0 tid=0x00007f nid=0x70 runnable
"ZWorker#0" os_prio=0 tid=0x00007f nid=0x71 runnable
"AsyncAppender-Worker-inferbus-traffic-83d9" #50 daemon prio=5 os_prio=0 tid=0x00007f nid=0x72 waiting
'''


class Stages(unittest.TestCase):
    NODE, WRK = 100, 500

    def test_thread_dump_names_by_native_id(self):
        names = nm.thread_names(DUMP)
        self.assertEqual("vert.x-eventloop-thread-0", names[0x65])
        self.assertEqual("VM Thread", names[0x6e])
        self.assertEqual(14, len(names))

    def test_every_thread_has_its_stage(self):
        names = nm.thread_names(DUMP)

        def of(tid, comm="x", pid=self.NODE):
            return nm.stage(pid, tid, comm, self.NODE, self.WRK, names)
        self.assertEqual(nm.LOOPS, of(0x65))
        self.assertEqual(nm.RUNNERS, of(0x66), "a per-instance pool of older builds")
        self.assertEqual(nm.OTHER_NODE, of(0x67), "the instance log feed is not a model runner")
        self.assertEqual(nm.RUNNERS, of(0x68))
        self.assertEqual(nm.WORKERS, of(0x69))
        self.assertEqual(nm.INTERNAL, of(0x6a))
        self.assertEqual(nm.HAZELCAST, of(0x6b))
        self.assertEqual(nm.HAZELCAST, of(0x6c))
        self.assertEqual(nm.JIT, of(0x6d))
        self.assertEqual(nm.VM, of(0x6e))
        self.assertEqual(nm.GC, of(0x6f))
        self.assertEqual(nm.GC, of(0x70))
        self.assertEqual(nm.GC, of(0x71))
        self.assertEqual(nm.OTHER_NODE, of(0x72))
        self.assertEqual(nm.NATIVE, of(0x99, "vert.x-worker-t"), "a thread ONNX Runtime made: not in the dump")
        self.assertEqual(nm.GC, of(0x98, "GC Thread#1"), "a GC thread that ended before the dump")
        self.assertEqual(nm.OTHER_NODE, of(self.NODE, "java"), "the launcher's first thread")
        self.assertEqual(nm.WRK, of(501, "wrk", pid=self.WRK))
        self.assertEqual(nm.OTHER, of(7, "kworker/0:1", pid=7))
        self.assertEqual(nm.IDLE, of(0, "swapper", pid=0))

    def test_perf_script_lines_with_spaces_in_the_name(self):
        text = " C2 CompilerThre 28795/28814 \n           sleep  6388/6388  \n         swapper     0/0     \n"
        self.assertEqual([(28795, 28814, "C2 CompilerThre"), (6388, 6388, "sleep"), (0, 0, "swapper")],
                         nm.perf_samples(text))

    def test_requests_in_the_window_from_the_nodes_counter_or_else_wrk(self):
        requests, how = nm.requests_in_window(BEFORE, AFTER, 5)
        self.assertEqual(5000, requests)  # 10000 in the 10 s between the scrapes, 5 s profiled
        self.assertIn("1,000 req/s by the node's inferbus_gateway_requests_total", how)
        wrk = "RESULT requests=30000 duration_us=20000000 p50_us=1 p90_us=1 p99_us=1 max_us=1 status_200=30000\n"
        requests, how = nm.requests_in_window("# bench scraped at 1\n", "# bench scraped at 2\n", 5, wrk)
        self.assertEqual(7500, requests)
        self.assertIn("wrk's average", how)

    def test_microseconds_per_request_are_share_times_seconds_times_cores_over_requests(self):
        names = nm.thread_names(DUMP)
        # 10 s on 2 cores at 499 Hz: 9980 samples
        samples = ([(self.NODE, 0x65, "vert.x-eventloo")] * 4990 + [(self.NODE, 0x66, "inferbus-instan")] * 998
                   + [(self.WRK, 501, "wrk")] * 1996 + [(0, 0, "swapper")] * 1996)
        counts = nm.cpu_by_stage(samples, self.NODE, self.WRK, names)
        self.assertEqual(5988, counts[nm.NODE])
        text = nm.stages_report(counts, 100_000, "10,000 req/s", 10, 2)
        rows = {line[:84].strip(): line[84:].split() for line in text.splitlines()[2:]}
        self.assertEqual(["50.0%", "100.0"], rows[nm.LOOPS])  # 5 s of CPU / 100000 requests
        self.assertEqual(["10.0%", "20.0"], rows[nm.RUNNERS])
        self.assertEqual(["60.0%", "120.0"], rows[nm.NODE])
        self.assertEqual(["20.0%", "40.0"], rows[nm.WRK])
        self.assertEqual(["20.0%", "40.0"], rows[nm.IDLE])
        self.assertEqual(["0.0%", "0.0"], rows[nm.GC], "the main stages are listed even when empty")
        self.assertNotIn(nm.NATIVE, rows, "optional stages only when they ran")

    def test_bytes_per_request_at_the_windows_request_rate(self):
        counts = nm.cpu_by_stage([(self.NODE, 0x65, "vert.x-eventloo")] * 10, self.NODE, self.WRK, {})
        jfr = nm.Jfr(12.0, 240_000_000, 1, 4, 4, 8.0, 3.0, 0, 0.0)
        text = nm.stages_report(counts, 10_000, "1,000 req/s", 10, 2, jfr, BEFORE, AFTER)
        # 1000 req/s over the 12 s recording: 12000 requests; the /metrics counter moved 2e8 in the 10 s
        self.assertIn("bytes allocated per request: 20,000 (JFR", text)
        self.assertIn("1 threads ended during it", text)
        self.assertIn("by jvm_gc_memory_allocated_bytes_total: 20,000 (Micrometer", text)


if __name__ == "__main__":
    unittest.main()
