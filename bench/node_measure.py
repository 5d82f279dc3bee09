"""What a node did during a measurement window, from its own records: a JFR recording of the window
(bytes allocated, GC pauses, ZGC allocation stalls), its Prometheus page before and after, and a perf
profile of the machine (CPU by stage). Used by bench/run-gc.sh and bench/run-profile-full-stack.sh.

    python3 bench/node_measure.py round ROUND_FILE --jfr R.jfr --before B.prom --after A.prom \\
            --cpu-ticks N --rss-kb K --pss-kb K
        prints `METRIC name=value` lines for one round of load (ROUND_FILE holds wrk's RESULT line;
        the script appends these lines to it for `interleaved_rounds.py metrics`)

    python3 bench/node_measure.py stages --perf-script P.txt --threads DUMP.txt --node-pid PID \\
            --wrk-pid PID --seconds S --cores C --before B.prom --after A.prom [--jfr W.jfr] [--wrk WRK.txt]
        prints CPU microseconds per request by stage (thread role) over a `perf record -a` profile,
        and bytes allocated per request

Why JFR for bytes and pauses rather than the node's /metrics: Micrometer's
jvm_gc_memory_allocated_bytes_total only moves at a collection (by the young generation's size
before it, or for non-generational ZGC by the heap's growth between cycles, which misses what was
allocated during a cycle), and its jvm_gc_pause_seconds records GcInfo durations in whole
milliseconds (ZGC's sub-millisecond pauses record as 0). JFR's jdk.ThreadAllocationStatistics is each
thread's running total of bytes allocated, emitted when a recording starts and when it stops, and
jdk.GCPhasePause times every pause in nanoseconds. The /metrics numbers are printed too, marked as
such, so that the two can be compared.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict, namedtuple
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interleaved_rounds as ir  # noqa: E402

JFR_EVENTS = "jdk.ThreadAllocationStatistics,jdk.GarbageCollection,jdk.GCPhasePause,jdk.ZAllocationStall"


# --- Prometheus text format --------------------------------------------------------------------------

def scrape_time(text):
    """The time the bench scripts wrote in their first line, `# bench scraped at <epoch seconds>`."""
    m = re.search(r"^# bench scraped at ([\d.]+)$", text, re.M)
    return float(m.group(1)) if m else None


def metric_total(text, name):
    """The sum of every series of `name` (any labels), or None when the page has none."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith(name) and line[len(name):len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def metric_delta(before, after, name):
    a, b = metric_total(before, name), metric_total(after, name)
    return None if a is None or b is None else b - a


# --- JFR -------------------------------------------------------------------------------------------

Jfr = namedtuple("Jfr", "seconds allocated_bytes threads_ended collections pauses pause_ms longest_pause_ms "
                        "stalls stall_ms")


def duration_ms(iso):
    """An ISO-8601 duration as `jfr print --json` writes it (PT0.000141739S, PT1M2.5S) in milliseconds."""
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", iso)
    if not m:
        raise ValueError(f"not a duration: {iso}")
    h, mi, s = m.groups()
    return (int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)) * 1000


def instant_s(iso):
    """2026-12-06T11:20:37.183973756Z (nanoseconds, which datetime does not parse) in epoch seconds."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", iso)
    if not m:
        raise ValueError(f"not an instant: {iso}")
    whole = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return whole + float(m.group(2) or 0)


def summarize_jfr(events):
    """The window's numbers from the events of `jfr print --json` (a recording started and stopped
    around the window: jdk.ThreadAllocationStatistics is emitted at its start and at its end)."""
    # (an event whose thread the recording could not name, N/A in `jfr print`, cannot be paired: left out)
    allocation = [e["values"] for e in events
                  if e["type"] == "jdk.ThreadAllocationStatistics" and e["values"]["thread"] is not None]
    if not allocation:
        raise ValueError("no jdk.ThreadAllocationStatistics in the recording")
    times = [instant_s(v["startTime"]) for v in allocation]
    first, last = min(times), max(times)
    # each emission is a burst of one event per thread, microseconds apart
    near = min(0.5, (last - first) / 2)
    start, end = {}, {}
    for v, t in zip(allocation, times):
        thread = v["thread"]["javaThreadId"]
        if t - first <= near:
            start[thread] = v["allocated"]
        if last - t <= near:
            end[thread] = v["allocated"]
    # a thread born during the window allocated all it has in it; one that ended took its count along
    allocated = sum(n - start.get(thread, 0) for thread, n in end.items())
    pauses = [duration_ms(e["values"]["duration"]) for e in events if e["type"] == "jdk.GCPhasePause"]
    stalls = [duration_ms(e["values"]["duration"]) for e in events if e["type"] == "jdk.ZAllocationStall"]
    collections = sum(1 for e in events if e["type"] == "jdk.GarbageCollection")
    return Jfr(last - first, allocated, len(set(start) - set(end)), collections, len(pauses), sum(pauses),
               max(pauses, default=0.0), len(stalls), sum(stalls))


def read_jfr(path, jfr_tool="jfr"):
    p = subprocess.run([jfr_tool, "print", "--json", "--events", JFR_EVENTS, path],
                       capture_output=True, text=True, check=True)
    return summarize_jfr(json.loads(p.stdout)["recording"]["events"])


# --- one round of bench/run-gc.sh ----------------------------------------------------------------

def round_metrics(wrk_text, jfr, before, after, cpu_ticks, hz, rss_kb, pss_kb):
    """[(name, value)] for one round; per-request values divide by the requests wrk counted. RSS
    counts ZGC's heap three times (JDK 17's ZGC maps it at three addresses); PSS, the process's
    proportional share of the pages it maps, counts it once."""
    requests = ir.parse_result(wrk_text).requests
    out = [("node_cpu_us_per_request", cpu_ticks / hz * 1e6 / requests),
           ("allocated_bytes_per_request", jfr.allocated_bytes / requests),
           ("gc_collections", jfr.collections),
           ("gc_pauses", jfr.pauses),
           ("gc_pause_ms_total", jfr.pause_ms),
           ("gc_pause_ms_longest", jfr.longest_pause_ms),
           ("allocation_stalls", jfr.stalls),
           ("allocation_stall_ms_total", jfr.stall_ms),
           ("rss_mb_after", rss_kb / 1024),
           ("pss_mb_after", pss_kb / 1024)]
    allocated = metric_delta(before, after, "jvm_gc_memory_allocated_bytes_total")
    if allocated is not None:
        out.append(("metrics_allocated_bytes_per_request", allocated / requests))
    paused = metric_delta(before, after, "jvm_gc_pause_seconds_count")
    if paused is not None:
        out.append(("metrics_gc_pauses", paused))
        out.append(("metrics_gc_pause_ms_total", metric_delta(before, after, "jvm_gc_pause_seconds_sum") * 1000))
    return out


# --- CPU by stage ---------------------------------------------------------------------------------

LOOPS = "gateway event loops (vert.x-eventloop-thread-*; they also run the deployment agent)"
RUNNERS = "model runners (inferbus-model-run-*; older builds: inferbus-instance-<id>-*)"
WORKERS = "Vert.x worker pool (vert.x-worker-thread-*; models ran here in older builds)"
INTERNAL = "Vert.x internal (internal-blocking, acceptor, blocked-thread checker)"
HAZELCAST = "Hazelcast (hz.*)"
GC = "GC threads (GC Thread#*, G1 *, Z*, RuntimeWorker#*)"
VM = "VM Thread (safepoint operations, the GC's pauses among them)"
JIT = "JIT compilers (C1, C2)"
NATIVE = "native threads the JVM does not list (ONNX Runtime's own)"
OTHER_NODE = "other threads of the node (logging, JFR, store, JVM service threads)"
NODE = "node, all threads"
WRK = "wrk (the load generator)"
OTHER = "other processes and the kernel (kworkers, perf, other users' work)"
IDLE = "idle"
NODE_STAGES = [LOOPS, RUNNERS, WORKERS, INTERNAL, HAZELCAST, GC, VM, JIT, NATIVE, OTHER_NODE]

# a thread's stage by its full name as the JVM knows it: the first pattern that matches
PATTERNS = [
    (LOOPS, r"vert\.x-eventloop-thread-"),
    (RUNNERS, r"inferbus-model-run-|inferbus-instance-(?!logs-)"),
    (WORKERS, r"vert\.x-worker-thread-"),
    (INTERNAL, r"vert\.x-internal-blocking-|vert\.x-acceptor-thread-|vertx-blocked-thread-checker"),
    (HAZELCAST, r"hz\.|vertx-hazelcast|.*-NioNetworking-"),
    (GC, r"GC Thread#|G1 |Z(Worker|Director|Driver|Stat|Uncommitter|Unmapper)|RuntimeWorker#"),
    (VM, r"VM Thread$"),
    (JIT, r"C[12] CompilerThre|Sweeper thread"),
]


def thread_names(dump):
    """{native thread id: name} from `jcmd <pid> Thread.print` (Java threads and the JVM's own)."""
    return {int(nid, 16): name for name, nid in re.findall(r'^"(.*)".*\bnid=0x([0-9a-f]+)', dump, re.M)}


def stage_of_name(name):
    return next((s for s, pattern in PATTERNS if re.match(pattern, name)), OTHER_NODE)


def stage(pid, tid, comm, node_pid, wrk_pid, names):
    """A perf sample's stage. comm is the kernel's name of the thread, cut to 15 characters."""
    if pid == 0:
        return IDLE
    if pid == wrk_pid:
        return WRK
    if pid != node_pid:
        return OTHER
    if tid in names:
        return stage_of_name(names[tid])
    if tid == pid:
        return OTHER_NODE  # the launcher's first thread: it only waits for the JVM to end
    # Not in the thread dump: a native library's thread, which carries the name of the thread that
    # created it (ONNX Runtime's intra-op pool), unless a JVM thread that ended before the dump.
    by_comm = stage_of_name(comm)
    return by_comm if by_comm in (GC, JIT) else NATIVE


def perf_samples(perf_script):
    """[(pid, tid, comm)] from `perf script -F comm,pid,tid` (a comm may hold spaces)."""
    out = []
    for line in perf_script.splitlines():
        m = re.match(r"^\s*(.*?)\s+(-?\d+)/(-?\d+)\s*$", line)
        if m:
            out.append((int(m.group(2)), int(m.group(3)), m.group(1)))
    return out


def cpu_by_stage(samples, node_pid, wrk_pid, names):
    counts = defaultdict(int)
    for pid, tid, comm in samples:
        counts[stage(pid, tid, comm, node_pid, wrk_pid, names)] += 1
    counts[NODE] = sum(counts[s] for s in NODE_STAGES)
    return counts


def requests_in_window(before, after, seconds, wrk_text=None):
    """(requests during a window of `seconds`, how they were counted): the rate of the node's
    inferbus_gateway_requests_total between the two scrapes around the window, times its length;
    for a build without that series, wrk's average rate."""
    delta = metric_delta(before, after, "inferbus_gateway_requests_total")
    t0, t1 = scrape_time(before), scrape_time(after)
    if delta is not None and t0 is not None and t1 is not None and t1 > t0:
        rate = delta / (t1 - t0)
        return rate * seconds, f"{rate:,.0f} req/s by the node's inferbus_gateway_requests_total"
    if wrk_text is None:
        raise ValueError("no inferbus_gateway_requests_total on /metrics and no wrk output")
    r = ir.parse_result(wrk_text)
    return r.rps * seconds, f"{r.rps:,.0f} req/s, wrk's average (no inferbus_gateway_requests_total)"


def stages_report(counts, requests, how, seconds, cores, jfr=None, before=None, after=None):
    """Per stage: its share of the cores and its CPU microseconds per request, i.e. (samples / all
    samples) x seconds x cores / requests; then bytes allocated per request."""
    total = sum(counts[s] for s in NODE_STAGES + [WRK, OTHER, IDLE])
    lines = [f"CPU per request by stage over the {seconds:g} s profile: {requests:,.0f} requests ({how}), "
             f"{cores} cores, {total} samples",
             f"{'stage':84s} {'share':>7s} {'us/request':>10s}"]
    for s in NODE_STAGES + [NODE, WRK, OTHER, IDLE]:
        if counts.get(s) or s not in (NATIVE, VM, INTERNAL, WORKERS):
            share = counts.get(s, 0) / total
            lines.append(f"{s:84s} {share * 100:6.1f}% {share * seconds * cores * 1e6 / requests:10.1f}")
    rate = requests / seconds
    if jfr is not None:
        ended = f"; {jfr.threads_ended} threads ended during it, their bytes not counted" if jfr.threads_ended else ""
        lines.append(f"bytes allocated per request: {jfr.allocated_bytes / (rate * jfr.seconds):,.0f} (JFR: every "
                     f"thread's allocation over the {jfr.seconds:.1f} s recording around the profile, at the same "
                     f"request rate{ended}; {jfr.collections} collections, {jfr.pauses} pauses, "
                     f"{jfr.pause_ms:.1f} ms paused)")
    if before is not None:
        allocated = metric_delta(before, after, "jvm_gc_memory_allocated_bytes_total")
        t0, t1 = scrape_time(before), scrape_time(after)
        if allocated is not None and t0 and t1:
            lines.append(f"bytes allocated per request by jvm_gc_memory_allocated_bytes_total: "
                         f"{allocated / (rate * (t1 - t0)):,.0f} (Micrometer counts at collections only: off by up "
                         "to a young generation at each end of the window)")
    return "\n".join(lines)


def main(args):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("round")
    r.add_argument("round_file")
    r.add_argument("--jfr", required=True)
    r.add_argument("--before", required=True)
    r.add_argument("--after", required=True)
    r.add_argument("--cpu-ticks", type=int, required=True)
    r.add_argument("--hz", type=int, default=100)
    r.add_argument("--rss-kb", type=int, required=True)
    r.add_argument("--pss-kb", type=int, required=True)
    r.add_argument("--jfr-tool", default="jfr")
    s = sub.add_parser("stages")
    s.add_argument("--perf-script", required=True)
    s.add_argument("--threads", required=True)
    s.add_argument("--node-pid", type=int, required=True)
    s.add_argument("--wrk-pid", type=int, required=True)
    s.add_argument("--seconds", type=float, required=True)
    s.add_argument("--cores", type=int, required=True)
    s.add_argument("--before", required=True)
    s.add_argument("--after", required=True)
    s.add_argument("--jfr")
    s.add_argument("--wrk")
    s.add_argument("--jfr-tool", default="jfr")
    a = p.parse_args(args)
    if a.command == "round":
        values = round_metrics(ir.read(a.round_file), read_jfr(a.jfr, a.jfr_tool), ir.read(a.before),
                               ir.read(a.after), a.cpu_ticks, a.hz, a.rss_kb, a.pss_kb)
        for name, value in values:
            print(f"METRIC {name}={value:.6g}")
        return
    before, after = ir.read(a.before), ir.read(a.after)
    requests, how = requests_in_window(before, after, a.seconds, ir.read(a.wrk) if a.wrk else None)
    counts = cpu_by_stage(perf_samples(ir.read(a.perf_script)), a.node_pid, a.wrk_pid,
                          thread_names(ir.read(a.threads)))
    print(stages_report(counts, requests, how, a.seconds, a.cores, read_jfr(a.jfr, a.jfr_tool) if a.jfr else None,
                        before, after))


if __name__ == "__main__":
    main(sys.argv[1:])
