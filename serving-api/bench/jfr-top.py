#!/usr/bin/env python3
"""Summarises a JFR recording of the serving API (tail-latency.sh): the hottest frames (self
samples), the hottest lakeml/Jetty/Javalin/RocksDB methods (samples with the method anywhere on
the stack), GC pauses, and lock and park waits. Uses the JDK's `jfr print --json`."""
import collections
import json
import subprocess
import sys

EVENTS = ("jdk.ExecutionSample,jdk.GarbageCollection,jdk.JavaMonitorEnter,jdk.ThreadPark,"
          "jdk.ObjectAllocationSample")


def frame_name(f):
    m = f["method"]
    return (m["type"]["name"] + "." + m["name"]).replace("/", ".")


def main(path):
    out = subprocess.run(
        ["jfr", "print", "--json", "--events", EVENTS, path],
        check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    self_count = collections.Counter()
    inclusive = collections.Counter()
    samples = 0
    gcs = []
    waits = collections.Counter()
    alloc_site = collections.Counter()
    alloc_total = 0
    wait_ms = collections.Counter()
    for e in events:
        t = e["type"]
        v = e["values"]
        if t == "jdk.ExecutionSample":
            frames = (v.get("stackTrace") or {}).get("frames") or []
            if not frames:
                continue
            samples += 1
            self_count[frame_name(frames[0])] += 1
            seen = set()
            for f in frames:
                n = frame_name(f)
                if n.startswith(("dev.lakeml", "org.eclipse.jetty", "io.javalin", "org.rocksdb",
                                 "io.micrometer", "com.fasterxml")) and n not in seen:
                    seen.add(n)
                    inclusive[n] += 1
        elif t == "jdk.ObjectAllocationSample":
            weight = int(v.get("weight", 0))
            alloc_total += weight
            frames = (v.get("stackTrace") or {}).get("frames") or []
            # The allocation site: the first frame outside java.*/jdk.*/kotlin.* (who asked).
            site = next((frame_name(f) for f in frames
                         if not frame_name(f).startswith(("java.", "jdk.", "kotlin.", "sun."))),
                        frames[0] and frame_name(frames[0]) if frames else "?")
            alloc_site[site] += weight
        elif t == "jdk.GarbageCollection":
            gcs.append((v["name"], parse_ms(v["sumOfPauses"]), parse_ms(v["longestPause"])))
        else:
            cls = (v.get("monitorClass") or v.get("parkedClass") or {}) or {}
            name = t.split(".")[-1] + " " + (cls.get("name", "?") if isinstance(cls, dict) else "?")
            waits[name] += 1
            wait_ms[name] += parse_ms(v.get("duration", "0 ms"))
    print(f"execution samples: {samples}")
    print("hottest frames (self):")
    for n, c in self_count.most_common(12):
        print(f"  {100.0 * c / samples:5.1f}%  {n}")
    print("hottest lakeml / Jetty / Javalin / RocksDB / Micrometer / Jackson methods (on the stack):")
    for n, c in inclusive.most_common(15):
        print(f"  {100.0 * c / samples:5.1f}%  {n}")
    if alloc_total:
        print(f"allocation (sampled weight {alloc_total / 1048576:.0f} MiB), top sites:")
        for n, w in alloc_site.most_common(15):
            print(f"  {100.0 * w / alloc_total:5.1f}%  {n}")
    if gcs:
        total = sum(g[1] for g in gcs)
        print(f"GC: {len(gcs)} collections, pauses {total:.1f} ms in all, longest "
              f"{max(g[2] for g in gcs):.2f} ms ({collections.Counter(g[0] for g in gcs).most_common()})")
    print("waits over the recording threshold (monitor enter, park):")
    for n, c in waits.most_common(6):
        print(f"  {c:6d} x {wait_ms[n]:9.1f} ms  {n}")


def parse_ms(text):
    if isinstance(text, (int, float)):
        return float(text) / 1e6
    if isinstance(text, str) and text.startswith("PT") and text.endswith("S"):
        return float(text[2:-1]) * 1e3  # ISO-8601 duration in seconds
    value, unit = str(text).split()[:2] if " " in str(text) else (str(text), "ms")
    value = float(value.replace(",", ""))
    return value * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}.get(unit, 1.0)


if __name__ == "__main__":
    main(sys.argv[1])
