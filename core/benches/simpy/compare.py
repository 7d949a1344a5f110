#!/usr/bin/env python3
"""Compare stormflow's --json report with pipeline.py's output.
Usage: compare.py sf.json simpy.txt"""
import json, re, sys
sf = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
kv = dict(l.split()[:2] for l in lines if len(l.split()) == 2)
ok = True
def chk(name, a, b):
    global ok
    same = a == b
    ok &= same
    print(f"{'OK ' if same else 'DIFF'} {name}: stormflow {a} simpy {b}")
for k in ("messages_produced", "processed", "queued", "in_flight"):
    chk(f"totals.{k}", sf["totals"][k], int(kv[k]))
for l in lines:
    m = re.match(r"p(\d+) in (\d+) out (\d+) processed (\d+) queued (\d+) in_flight (\d+) .*\| hdr p50 (\d+) p95 (\d+) p99 (\d+) p999 (\d+) max (\d+)", l)
    if not m:
        continue
    h = int(m.group(1)); v = list(map(int, m.groups()[1:]))
    e = sf["elements"][f"p{h}"]; lat = e["latency_us"]
    chk(f"p{h} in/out/processed/queued/in_flight", [e["in"], e["out"], e["processed"], e["queued"], e["in_flight"]], v[:5])
    chk(f"p{h} latency p50/p95/p99/p999/max", [lat["p50"], lat["p95"], lat["p99"], lat["p999"], lat["max"]], v[5:])
src = re.search(r"source out (\d+)", "\n".join(lines))
chk("source out", sf["elements"]["source"]["out"], int(src.group(1)))
print("ALL MATCH" if ok else "MISMATCHES")
