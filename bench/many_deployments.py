"""What many small deployments cost one node: the helper of bench/run-many-deployments.sh.

Talks to the node's management API (HTTPS, the admin token from the environment variable
INFERBUS_TOKEN, never on a command line) and reads the node's JVM from /proc and jcmd. Python's
standard library only.

    python3 bench/many_deployments.py step --from I --to J ...
        creates deployments I..J-1 (endpoint i // PER_ENDPOINT, deployment i % PER_ENDPOINT, one
        instance each), PER_PARALLEL calls at a time, and polls until every one of them is Succeeded
        with its instance Ready (GET /nodes once a second, then each endpoint's deployment list), or
        fails at the deadline or when an instance fails. Prints one JSON object: the timings.

    python3 bench/many_deployments.py measure --pid PID ...
        the node as it is: RSS, threads (and by name group), idle CPU over --idle-seconds, heap used
        (jcmd GC.heap_info, then again after jcmd GC.run), one scoring request per --score
        endpoint/deployment (must answer 200). Prints one JSON object.

    python3 bench/many_deployments.py summary RESULTS_JSONL
        the table of every step measured (and of the thread groups), as text.

    python3 bench/many_deployments.py threads-needed --pid PID --instances N --max-concurrent M
        exits 1 (with the reason) when starting N more instances of M worker threads each would take
        more than 60 % of the task ids the machine has left (pid_max, threads-max, ulimit -u): on a
        shared machine, running out of them breaks every process, not only the node.
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import resource
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

# ------------------------------------------------------------------ pure parts (tested)


def endpoint_name(prefix, index, per_endpoint):
    """The endpoint of deployment number `index` (0-based): prefix-001, prefix-002, ..."""
    return f"{prefix}-{index // per_endpoint + 1:03d}"


def deployment_name(index, per_endpoint):
    """The deployment's name in its endpoint: d01, d02, ... (names need 3 characters, a letter first)."""
    return f"d{index % per_endpoint + 1:02d}"


def layout(start, end, per_endpoint, prefix):
    """[(endpoint, deployment)] of deployments start..end-1, and the endpoints they are in, in order."""
    pairs = [(endpoint_name(prefix, i, per_endpoint), deployment_name(i, per_endpoint)) for i in range(start, end)]
    endpoints = list(dict.fromkeys(e for e, _ in pairs))
    return pairs, endpoints


def thread_group(name, kernel=False):
    """A thread's name without what differs between threads of one kind: instance ids, numbers.
    Works on Java's names and, with kernel=True, on the kernel's (/proc/PID/task/TID/comm), which
    keeps the first 15 characters."""
    if name.startswith("inferbus-instan"):
        return "inferbus-instance-*"  # inferbus-instance-<endpoint>.<deployment>.<id>-<n>
    if kernel and name.startswith("hz."):
        return "hz.*"  # hz.<the Hazelcast instance's random name>.<pool>, cut anywhere
    name = re.sub(r"^hz\.[^.]+", "hz.*", name)
    name = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "*", name)  # a UUID
    # a number that ends the name or follows a separator (thread-12, #0, CompilerThread0; not C2, G1)
    return re.sub(r"(?<=[-#._ ])\d+|(?<=[a-z])\d+$", "N", name)


def group_counts(names, kernel=False):
    counts = {}
    for n in names:
        g = thread_group(n, kernel)
        counts[g] = counts.get(g, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def stat_ticks(stat_text):
    """utime + stime (clock ticks) from a /proc/PID/stat or /proc/PID/task/TID/stat line; the command
    name in parentheses may hold spaces and parentheses itself."""
    fields = stat_text[stat_text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of the whole line


def status_field(status_text, field):
    """A number from /proc/PID/status (VmRSS in kB, Threads)."""
    m = re.search(rf"^{field}:\s+(\d+)", status_text, re.M)
    return int(m.group(1)) if m else None


def heap_used_kb(heap_info_text):
    """The heap's used kilobytes from `jcmd PID GC.heap_info` (the first 'used NNNK' of the collector's
    heap line: G1's 'garbage-first heap total 110592K, used 67283K', or the serial or parallel
    collector's generations summed)."""
    total = None
    for line in heap_info_text.splitlines():
        m = re.search(r"^\s*(garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen"
                      r"|ZHeap|Shenandoah)\b.*?used (\d+)K", line)
        if m:
            if m.group(1) == "garbage-first heap":
                return int(m.group(2))
            total = (total or 0) + int(m.group(2))
    return total


def java_thread_names(thread_print_text):
    """The names of the threads `jcmd PID Thread.print` lists (the JVM's own and Java's; not native
    threads that were never attached, such as ONNX Runtime's pool)."""
    return re.findall(r'^"(.*)" (?:#\d+ )?', thread_print_text, re.M)


def cpu_percent(ticks_before, ticks_after, hz, seconds):
    """CPU over a window, in % of one core."""
    return 100.0 * (ticks_after - ticks_before) / hz / seconds


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100.0 * len(s)) - 1))]  # nearest rank


def threads_needed_check(new_instances, max_concurrent, tasks_now, limits, share=0.6):
    """None when starting `new_instances` instances of `max_concurrent` worker threads each fits in
    `share` of the task ids left under the smallest of `limits`, else the reason it does not."""
    limit = min(limits)
    needed = new_instances * max_concurrent
    room = int(share * (limit - tasks_now))
    if needed > room:
        return (f"{new_instances} more instances x {max_concurrent} worker threads = ~{needed} threads, more than "
                f"{int(share * 100)} % of the {limit - tasks_now} task ids left on this machine (limit {limit}, "
                f"{tasks_now} in use)")
    return None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def summary_text(records):
    """The summary of every measured state (records: what `measure` printed, with `label`,
    `deployments`, and for the steps the `step` timings), as text."""
    rows = [["state", "deploy-", "instances", "create", "all Ready", "Ready/s", "RSS", "RSS after", "threads",
             "Java", "idle CPU", "heap used", "heap after", "score"],
            ["", "ments", "on node", "calls s", "s", "", "MiB", "GC MiB", "(OS)", "threads", "% core", "MiB",
             "GC MiB", "status, ms"]]
    for r in records:
        st = r.get("step") or {}
        score = r.get("score") or []
        scores = " ".join(f"{s['status']},{s['ms']:.0f}" for s in score) or "-"
        rows.append([r["label"], fmt(r.get("deployments")), fmt(r.get("instances_on_node")),
                     fmt(st.get("create_seconds"), 1), fmt(st.get("ready_seconds"), 1),
                     fmt(st.get("ready_per_second"), 1),
                     fmt(r["rss_kb"] / 1024.0 if r.get("rss_kb") is not None else None),
                     fmt(r["rss_after_gc_kb"] / 1024.0 if r.get("rss_after_gc_kb") is not None else None),
                     fmt(r.get("threads")), fmt(r.get("java_threads")), fmt(r.get("idle_cpu_percent"), 1),
                     fmt(r["heap_used_kb"] / 1024.0 if r.get("heap_used_kb") is not None else None),
                     fmt(r["heap_after_gc_kb"] / 1024.0 if r.get("heap_after_gc_kb") is not None else None),
                     scores])
    out = [table(rows)]
    # per instance, between the first state (the baseline) and each later one
    if len(records) > 1 and records[0].get("instances_on_node") is not None:
        base = records[0]
        lines = []
        for r in records[1:]:
            n = (r.get("instances_on_node") or 0) - (base.get("instances_on_node") or 0)
            if n <= 0 or r.get("rss_kb") is None:
                continue
            after_gc = (f" ({(r['rss_after_gc_kb'] - base['rss_after_gc_kb']) / n:.0f} after GC)"
                        if r.get("rss_after_gc_kb") and base.get("rss_after_gc_kb") else "")
            lines.append(f"  {r['label']}: per added instance {(r['rss_kb'] - base['rss_kb']) / n:.0f} KiB RSS{after_gc}, "
                         f"{(r['threads'] - base['threads']) / n:.2f} threads"
                         + (f", {((r.get('heap_after_gc_kb') or 0) - (base.get('heap_after_gc_kb') or 0)) / n:.0f}"
                            f" KiB live heap" if r.get("heap_after_gc_kb") and base.get("heap_after_gc_kb") else "")
                         + (f"; idle CPU {r['idle_cpu_percent'] - base['idle_cpu_percent']:+.1f} % of a core in all"
                            if r.get("idle_cpu_percent") is not None
                            and base.get("idle_cpu_percent") is not None else ""))
        if lines:
            out.append("\ngrowth against " + base["label"] + ":\n" + "\n".join(lines))
    # thread groups (kernel names) by state
    groups = []
    for r in records:
        for g in (r.get("thread_groups") or {}):
            if g not in groups:
                groups.append(g)
    if groups:
        shown = [g for g in groups if max((r.get("thread_groups") or {}).get(g, 0) for r in records) >= 2]
        rows = [["threads by name (/proc/PID/task/*/comm)"] + [r["label"] for r in records]]
        for g in sorted(shown, key=lambda g: -max((r.get("thread_groups") or {}).get(g, 0) for r in records)):
            rows.append([g] + [fmt((r.get("thread_groups") or {}).get(g, 0)) for r in records])
        rest = [sum(c for g, c in (r.get("thread_groups") or {}).items() if g not in shown) for r in records]
        rows.append(["(others, one each)"] + [fmt(v) for v in rest])
        out.append("\n" + table(rows))
    busy = [r for r in records if r.get("idle_cpu_by_group")]
    if busy:
        out.append("\nidle CPU by thread group (% of a core, the top 5):")
        for r in busy:
            top = list(r["idle_cpu_by_group"].items())[:5]
            out.append(f"  {r['label']}: " + ", ".join(f"{g} {v:.2f}" for g, v in top))
    return "\n".join(out) + "\n"


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     .rstrip() for r in rows)


# ------------------------------------------------------------------ the API


class Api:
    def __init__(self, url, ca, token, timeout=120):
        self.url = url.rstrip("/")
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False  # the node's certificate names its host; we call 127.0.0.1
        self.token = token
        self.timeout = timeout

    def call(self, method, path, body=None, headers=None, url=None):
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        req = urllib.request.Request((url or self.url) + path, data=data, method=method)
        if url is None:
            req.add_header("Authorization", "Bearer " + self.token)
        if isinstance(body, (dict, list)):
            req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, method, path, body=None):
        status, raw = self.call(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {raw[:300].decode(errors='replace')}")
        return json.loads(raw) if raw else None


def api_from(args):
    token = os.environ.get("INFERBUS_TOKEN")
    if not token:
        sys.exit("INFERBUS_TOKEN (the admin token) is not set")
    return Api(args.cp, args.ca, token)


# ------------------------------------------------------------------ step: create, then wait


def our_instances(nodes, prefix):
    """(ready, failed ids, total) of the instances of endpoints prefix-* in a GET /nodes answer."""
    ready, failed, total = 0, [], 0
    for node in nodes.get("value", []):
        for inst in node.get("instances", []):
            if not inst.get("endpoint", "").startswith(prefix + "-"):
                continue
            total += 1
            if inst.get("state") == "Ready":
                ready += 1
            elif inst.get("state") == "Failed":
                failed.append(inst.get("id"))
    return ready, failed, total


def all_instances(nodes):
    return sum(len(n.get("instances", [])) for n in nodes.get("value", []))


def cmd_step(args):
    api = api_from(args)
    pairs, endpoints = layout(args.start, args.end, args.per_endpoint, args.prefix)
    target = args.end  # deployments 0..end-1 of ours, each one instance, all Ready at the end
    spec = {"model": args.model, "instance_count": 1,
            "request_settings": {"max_concurrent_requests_per_instance": args.max_concurrent}}
    progress = open(args.progress, "a") if args.progress else None
    latencies, errors = [], []
    lock = threading.Lock()

    def put(path, body):
        t = time.monotonic()
        status, raw = api.call("PUT", path, body)
        with lock:
            latencies.append(time.monotonic() - t)
            if status >= 400:
                errors.append(f"PUT {path}: {status} {raw[:200].decode(errors='replace')}")

    t0 = time.monotonic()
    wall0 = time.time()
    created = {"n": 0}
    done_creating = threading.Event()

    def create():
        with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
            # an endpoint before its deployments; an endpoint that exists already is the same spec again
            list(pool.map(lambda e: put(f"/endpoints/{e}", {"auth_mode": "key"}), endpoints))
            for _ in pool.map(lambda p: put(f"/endpoints/{p[0]}/deployments/{p[1]}", spec), pairs):
                created["n"] += 1
        done_creating.set()

    creator = threading.Thread(target=create, daemon=True)
    creator.start()
    create_seconds = None
    ready_seconds = None
    deadline = t0 + args.timeout
    last = None
    while True:
        time.sleep(args.poll)
        now = time.monotonic()
        if create_seconds is None and done_creating.is_set():
            create_seconds = now - t0
        if errors:
            return fail(f"{len(errors)} create calls failed, the first: {errors[0]}", t0, created)
        try:
            nodes = api.json("GET", "/nodes")
        except Exception as e:  # noqa: BLE001 - a slow answer under load: poll again
            nodes, last = None, str(e)
        if nodes is not None:
            ready, failed, total = our_instances(nodes, args.prefix)
            if progress:
                progress.write(f"{now - t0:.1f}\t{args.start + created['n']}\t{total}\t{ready}\n")
                progress.flush()
            if failed:
                return fail(f"instances failed: {failed[:5]}", t0, created)
            if done_creating.is_set() and ready >= target:
                # the definitive check: every deployment Succeeded, its instance Ready (the lists)
                bad = unfinished(api, args.prefix, (args.end + args.per_endpoint - 1) // args.per_endpoint, target)
                if not bad:
                    ready_seconds = time.monotonic() - t0
                    break
                last = f"not yet Succeeded: {bad[:5]}"
            else:
                last = f"created {args.start + created['n']}/{target}, Ready {ready}/{target}"
        if now > deadline:
            return fail(f"not all Ready within {args.timeout}s: {last}", t0, created)
    n = args.end - args.start
    lat = [x * 1000 for x in latencies]
    result = {"from": args.start, "to": args.end, "created": n, "endpoints_touched": len(endpoints),
              "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(wall0)),
              "create_seconds": round(create_seconds, 2), "ready_seconds": round(ready_seconds, 2),
              "ready_per_second": round(n / ready_seconds, 2) if ready_seconds else None,
              "create_calls": len(latencies), "create_ms_p50": round(statistics.median(lat), 1),
              "create_ms_p99": round(percentile(lat, 99), 1), "create_ms_max": round(max(lat), 1)}
    print(json.dumps(result))
    return 0


def unfinished(api, prefix, endpoint_count, target):
    """The deployments of ours (endpoints prefix-001.. prefix-<endpoint_count>) not Succeeded with
    their instance Ready, as 'endpoint/deployment state'; also short when fewer than target exist."""
    bad, seen = [], 0
    for k in range(1, endpoint_count + 1):
        e = f"{prefix}-{k:03d}"
        for d in api.json("GET", f"/endpoints/{e}/deployments").get("value", []):
            seen += 1
            ready = [i for i in d.get("instances", []) if i.get("state") == "Ready"]
            if d.get("provisioning_state") != "Succeeded" or len(ready) < 1:
                bad.append(f"{e}/{d.get('name')} {d.get('provisioning_state')}")
    if seen < target:
        bad.append(f"only {seen} of {target} deployments listed")
    return bad


def fail(reason, t0, created):
    print(json.dumps({"error": reason, "after_seconds": round(time.monotonic() - t0, 1),
                      "created": created["n"]}))
    return 1


# ------------------------------------------------------------------ measure


def read(path):
    with open(path) as f:
        return f.read()


def task_ticks(pid):
    """{tid: (comm, ticks)} of every thread of the process."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            out[tid] = (read(f"/proc/{pid}/task/{tid}/comm").strip(), stat_ticks(read(f"/proc/{pid}/task/{tid}/stat")))
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return out


def jcmd(pid, *what, timeout=120):
    try:
        return subprocess.run(["jcmd", str(pid), *what], capture_output=True, text=True, timeout=timeout).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"jcmd failed: {e}"


def cmd_measure(args):
    pid = args.pid
    hz = os.sysconf("SC_CLK_TCK")
    status = read(f"/proc/{pid}/status")
    rec = {"label": args.label, "deployments": args.deployments, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "loadavg_before": " ".join(read("/proc/loadavg").split()[:3]),
           "rss_kb": status_field(status, "VmRSS"), "threads": status_field(status, "Threads")}
    names = [c for c, _ in task_ticks(pid).values()]
    rec["thread_groups"] = group_counts(names, kernel=True)
    if args.cp:
        nodes = api_from(args).json("GET", "/nodes")
        rec["instances_on_node"] = all_instances(nodes)
    # idle CPU: the whole process over the window, and which thread groups spent it
    before, t0 = task_ticks(pid), time.monotonic()
    p0 = stat_ticks(read(f"/proc/{pid}/stat"))
    time.sleep(args.idle_seconds)
    p1 = stat_ticks(read(f"/proc/{pid}/stat"))
    after, seconds = task_ticks(pid), time.monotonic() - t0
    rec["idle_seconds"] = round(seconds, 1)
    rec["idle_cpu_percent"] = round(cpu_percent(p0, p1, hz, seconds), 2)
    by_group = {}
    for tid, (comm, ticks) in after.items():
        spent = ticks - before.get(tid, (comm, 0))[1]
        if spent > 0:
            g = thread_group(comm, kernel=True)
            by_group[g] = by_group.get(g, 0) + spent
    rec["idle_cpu_by_group"] = {g: round(cpu_percent(0, t, hz, seconds), 2)
                                for g, t in sorted(by_group.items(), key=lambda kv: -kv[1])}
    rec["loadavg_after"] = " ".join(read("/proc/loadavg").split()[:3])
    # heap: as it is, then live after a full collection (after the idle window, not to disturb it)
    rec["heap_used_kb"] = heap_used_kb(jcmd(pid, "GC.heap_info"))
    if args.gc:
        jcmd(pid, "GC.run")
        rec["heap_after_gc_kb"] = heap_used_kb(jcmd(pid, "GC.heap_info"))
        rec["rss_after_gc_kb"] = status_field(read(f"/proc/{pid}/status"), "VmRSS")
    dump = jcmd(pid, "Thread.print", timeout=300)
    java = java_thread_names(dump)
    rec["java_threads"] = len(java) if java else None
    rec["java_thread_groups"] = group_counts(java)
    # one scoring request per endpoint/deployment asked for: must be 200
    rec["score"] = []
    if args.score:
        api = api_from(args)
        body = read(args.body).encode()
        for target in args.score:
            e, d = target.split("/")
            key = api.json("POST", f"/endpoints/{e}/keys")["primaryKey"]
            t = time.monotonic()
            st, raw = api.call("POST", f"/endpoints/{e}/score", body,
                               {"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                "azureml-model-deployment": d}, url=args.gateway)
            rec["score"].append({"target": target, "status": st, "ms": round((time.monotonic() - t) * 1000, 1),
                                 "answer": raw[:200].decode(errors="replace")})
    print(json.dumps(rec))
    bad = [s for s in rec["score"] if s["status"] != 200]
    return 1 if bad else 0


# ------------------------------------------------------------------ threads-needed, summary


def cmd_threads_needed(args):
    tasks_now = int(read("/proc/loadavg").split()[3].split("/")[1])  # every thread on the machine
    limits = [int(read("/proc/sys/kernel/pid_max")), int(read("/proc/sys/kernel/threads-max"))]
    soft = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    if soft != resource.RLIM_INFINITY:
        limits.append(soft)
    reason = threads_needed_check(args.instances, args.max_concurrent, tasks_now, limits)
    if reason:
        print(reason)
        return 1
    return 0


def cmd_summary(args):
    records = [json.loads(line) for line in open(args.results) if line.strip()]
    sys.stdout.write(summary_text(records))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def api_args(s):
        s.add_argument("--cp", help="the control plane's URL (client.json's control_plane_url)")
        s.add_argument("--ca", help="the CA file to trust (client.json's ca_file)")

    s = sub.add_parser("step")
    api_args(s)
    s.add_argument("--from", dest="start", type=int, required=True)
    s.add_argument("--to", dest="end", type=int, required=True)
    s.add_argument("--per-endpoint", type=int, default=10)
    s.add_argument("--prefix", default="many")
    s.add_argument("--model", default="german-credit-bad-risk:1")
    s.add_argument("--max-concurrent", type=int, default=1)
    s.add_argument("--parallel", type=int, default=4)
    s.add_argument("--timeout", type=float, default=1800)
    s.add_argument("--poll", type=float, default=1.0)
    s.add_argument("--progress", help="append 'seconds created instances ready' lines here")
    s.set_defaults(fn=cmd_step)

    s = sub.add_parser("measure")
    api_args(s)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--label", required=True)
    s.add_argument("--deployments", type=int, default=0)
    s.add_argument("--idle-seconds", type=float, default=30)
    s.add_argument("--gc", type=int, default=1, help="1: also the heap after jcmd GC.run")
    s.add_argument("--gateway", help="https://127.0.0.1:PORT")
    s.add_argument("--body", help="the scoring request's body")
    s.add_argument("--score", action="append", default=[], help="endpoint/deployment, once each")
    s.set_defaults(fn=cmd_measure)

    s = sub.add_parser("threads-needed")
    s.add_argument("--instances", type=int, required=True)
    s.add_argument("--max-concurrent", type=int, required=True)
    s.set_defaults(fn=cmd_threads_needed)

    s = sub.add_parser("summary")
    s.add_argument("results")
    s.set_defaults(fn=cmd_summary)

    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
