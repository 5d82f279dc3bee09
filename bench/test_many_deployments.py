"""Tests of bench/many_deployments.py (benchmark H's helper) on fixed inputs: names and layout, thread
name groups, /proc and jcmd parsing, the thread guard, the summary. Nothing here starts a node.

    python3 -m unittest -v bench/test_many_deployments.py     # from the repository root

`mvn -B verify` runs them (bench's ManyDeploymentsScriptTest).
"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import many_deployments as md  # noqa: E402

NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){2,31}$")  # docs/management-api.md, Rules


class LayoutTest(unittest.TestCase):
    def test_ten_per_endpoint(self):
        pairs, endpoints = md.layout(0, 1000, 10, "many")
        self.assertEqual(1000, len(pairs))
        self.assertEqual(1000, len(set(pairs)))
        self.assertEqual(("many-001", "d01"), pairs[0])
        self.assertEqual(("many-001", "d10"), pairs[9])
        self.assertEqual(("many-002", "d01"), pairs[10])
        self.assertEqual(("many-100", "d10"), pairs[-1])
        self.assertEqual(100, len(endpoints))

    def test_a_step_continues_where_the_last_stopped(self):
        first, _ = md.layout(0, 205, 10, "many")
        second, endpoints = md.layout(205, 1000, 10, "many")
        self.assertEqual(("many-021", "d06"), second[0])
        self.assertEqual("many-021", endpoints[0])  # the endpoint half filled by the first step, again
        self.assertEqual(set(), set(first) & set(second))

    def test_names_are_valid(self):
        pairs, _ = md.layout(0, 999 * 10, 10, "many")
        for e, d in pairs[:: 97] + pairs[-1:]:
            self.assertRegex(e, NAME)
            self.assertRegex(d, NAME)
        pairs, _ = md.layout(0, 150, 99, "many")
        self.assertEqual(("many-002", "d51"), pairs[-1])


class ThreadGroupTest(unittest.TestCase):
    def test_groups(self):
        cases = {
            "inferbus-instance-many-001.d01.80e51b2a-0": "inferbus-instance-*",
            "inferbus-instan": "inferbus-instance-*",
            "vert.x-worker-thread-12": "vert.x-worker-thread-N",
            "vert.x-worker-t": "vert.x-worker-t",
            "hz.crazy_almeida.partition-operation.thread-3": "hz.*.partition-operation.thread-N",
            "hz.crazy_almeid": "hz.*",
            "hz.cool_mayer.I": "hz.*.I",  # read as a whole Java name; cut by the kernel, it is hz.*
            "C2 CompilerThread0": "C2 CompilerThreadN",
            "C1 CompilerThre": "C1 CompilerThre",
            "G1 Refine#1": "G1 Refine#N",
            "GC Thread#0": "GC Thread#N",
            "AsyncAppender-Worker-inferbus-traffic-c3fbeb0b-c1b2-4c5a-8f9e-0c1abdefaa12":
                "AsyncAppender-Worker-inferbus-traffic-*",
            "VM Thread": "VM Thread",
        }
        for name, group in cases.items():
            self.assertEqual(group, md.thread_group(name), name)
        self.assertEqual("hz.*", md.thread_group("hz.cool_mayer.I", kernel=True))
        self.assertEqual("vert.x-worker-t", md.thread_group("vert.x-worker-t", kernel=True))

    def test_counts_most_first(self):
        counts = md.group_counts(["vert.x-worker-thread-1", "GC Thread#0", "vert.x-worker-thread-2", "VM Thread",
                                  "GC Thread#1", "vert.x-worker-thread-3"])
        self.assertEqual([("vert.x-worker-thread-N", 3), ("GC Thread#N", 2), ("VM Thread", 1)], list(counts.items()))


class ParsingTest(unittest.TestCase):
    def test_stat_ticks_with_a_name_of_spaces_and_parentheses(self):
        line = "4242 (C2 (Compiler) 0) S 1 4242 4242 0 -1 4194304 100 0 0 0 1234 567 0 0 20 0 99 0 1000 2000 300\n"
        self.assertEqual(1234 + 567, md.stat_ticks(line))

    def test_status_fields(self):
        status = "Name:\tjava\nVmRSS:\t  318708 kB\nThreads:\t101\n"
        self.assertEqual(318708, md.status_field(status, "VmRSS"))
        self.assertEqual(101, md.status_field(status, "Threads"))
        self.assertIsNone(md.status_field(status, "VmSwap"))

    def test_heap_info_g1(self):
        text = ("29369:\n garbage-first heap   total 110592K, used 67283K [0x0000000687400000, 0x0000000800000000)\n"
                "  region size 4096K, 10 young (40960K), 1 survivors (4096K)\n"
                " Metaspace       used 61042K, committed 61568K, reserved 1114112K\n")
        self.assertEqual(67283, md.heap_used_kb(text))

    def test_heap_info_serial_sums_the_generations(self):
        text = (" def new generation   total 9792K, used 1234K [0x1, 0x2, 0x3)\n"
                "  eden space 8704K,  14% used [0x1, 0x2, 0x3)\n"
                " tenured generation   total 21888K, used 4000K [0x1, 0x2, 0x3)\n"
                " Metaspace       used 600K, committed 700K, reserved 1056768K\n")
        self.assertEqual(5234, md.heap_used_kb(text))
        self.assertIsNone(md.heap_used_kb("jcmd failed: no such process"))

    def test_java_thread_names(self):
        dump = ('2026-12-06 11:00:00\nFull thread dump OpenJDK 64-Bit Server VM:\n\n'
                '"Reference Handler" #2 daemon prio=10 os_prio=0 cpu=0.1ms tid=0x1 nid=0x2 waiting\n'
                '   java.lang.Thread.State: RUNNABLE\n\n'
                '"inferbus-instance-many-001.d01.80e51b2a-0" #70 prio=5 os_prio=0 tid=0x3 nid=0x4 waiting\n\n'
                '"VM Thread" os_prio=0 cpu=5.0ms tid=0x5 nid=0x6 runnable\n\n'
                '"GC Thread#0" os_prio=0 cpu=1.0ms tid=0x7 nid=0x8 runnable\n')
        self.assertEqual(["Reference Handler", "inferbus-instance-many-001.d01.80e51b2a-0", "VM Thread", "GC Thread#0"],
                         md.java_thread_names(dump))

    def test_cpu_percent_and_percentile(self):
        self.assertAlmostEqual(10.0, md.cpu_percent(100, 400, 100, 30))
        self.assertEqual(99, md.percentile(list(range(1, 101)), 99))
        self.assertEqual(5, md.percentile([5], 50))
        self.assertIsNone(md.percentile([], 50))


class ThreadGuardTest(unittest.TestCase):
    def test_fits(self):
        self.assertIsNone(md.threads_needed_check(1000, 1, 300, [32768, 192735]))
        self.assertIsNone(md.threads_needed_check(200, 64, 300, [32768, 192735]))

    def test_too_many_names_the_numbers(self):
        reason = md.threads_needed_check(1000, 64, 300, [32768, 192735])
        self.assertIn("64000", reason)
        self.assertIn("32468", reason)  # the task ids left under the smallest limit


class SummaryTest(unittest.TestCase):
    def records(self):
        base = {"label": "baseline", "deployments": 0, "instances_on_node": 1, "rss_kb": 300 * 1024, "threads": 100,
                "rss_after_gc_kb": 250 * 1024, "java_threads": 97, "idle_cpu_percent": 1.0, "heap_used_kb": 60 * 1024, "heap_after_gc_kb": 30 * 1024,
                "thread_groups": {"hz.*": 40, "vert.x-worker-t": 22, "inferbus-instance-*": 1, "VM Thread": 1},
                "idle_cpu_by_group": {"hz.*": 0.8, "VM Thread": 0.2},
                "score": [{"target": "credit/blue", "status": 200, "ms": 12.3}]}
        step = dict(base, label="200", deployments=200, instances_on_node=201, rss_kb=500 * 1024, threads=300,
                    rss_after_gc_kb=350 * 1024,
                    java_threads=297, idle_cpu_percent=3.0, heap_after_gc_kb=70 * 1024,
                    thread_groups={"hz.*": 40, "vert.x-worker-t": 22, "inferbus-instance-*": 201, "VM Thread": 1},
                    step={"create_seconds": 20.5, "ready_seconds": 31.25, "ready_per_second": 6.4},
                    score=[{"target": "many-001/d01", "status": 200, "ms": 20.0},
                           {"target": "many-020/d10", "status": 503, "ms": 5.0}])
        return [base, step]

    def test_the_table(self):
        text = md.summary_text(self.records())
        lines = text.splitlines()
        row = next(line for line in lines if line.startswith("200 "))
        for cell in ("200", "201", "20.5", "31.2", "6.4", "500", "350", "300", "297", "3.0", "70", "200,20", "503,5"):
            self.assertIn(cell, row.split(), row)
        self.assertIn("per added instance 1024 KiB RSS (512 after GC), 1.00 threads, 205 KiB live heap; idle CPU +2.0 % of a core"
                      " in all", text)
        groups = next(line for line in lines if line.startswith("inferbus-instance-*"))
        self.assertEqual(["inferbus-instance-*", "1", "201"], groups.split())
        self.assertIn("(others, one each)", text)  # VM Thread, one in every state
        self.assertIn("baseline: hz.* 0.80, VM Thread 0.20", text)

    def test_a_run_that_stopped_before_any_step(self):
        text = md.summary_text(self.records()[:1])
        self.assertIn("baseline", text)
        self.assertNotIn("growth", text)


if __name__ == "__main__":
    unittest.main()
