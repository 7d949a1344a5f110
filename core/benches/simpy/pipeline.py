#!/usr/bin/env python3
"""stormflow_core::synth::pipeline(10, 8, 10_000, 100_000) written in SimPy.

The model (as `cargo run --release -p stormflow-core --example pipeline -- --save pipeline.ron` writes it):
  source --emits--> e0 --published to--> t0 (8 partitions)
  t{h} --consumed by--> p{h} (Map, 8 instances, Fixed 10 us) --emits--> e{h+1} --> t{h+1}
  for h = 0..9; t10 has no consumer.
The source emits a burst of 10,000 events every 100,000 us starting at t=0;
each event's key is drawn uniformly from 10,000 keys ("source-0".."source-9999")
with the same ChaCha8 stream stormflow uses (seed 1, stream 0), and lands on
partition murmur2(key) & 0x7fffffff % 8 (Kafka's default partitioner). Each
processor instance owns one partition (worker i <-> partition i), reads it
FIFO, one delivery at a time, and after 10 us appends the mapped event (same
key, so the same partition) to the next topic. Latency is measured at each
processor from the root event's emission time to the end of its service.

Time unit: 1 SimPy time unit = 1 microsecond (integers, like stormflow).

Usage: python3 pipeline.py SECONDS   (virtual time, e.g. 1 or 10)
"""

import sys
from collections import defaultdict

import simpy

HOPS = 10
PARTITIONS = 8
INSTANCES = 8
BURST = 10_000
EVERY_US = 100_000
KEYS = 10_000
SERVICE_US = 10
SEED = 1

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


# --- stormflow's random stream: rand_chacha 0.10 ChaCha8Rng -----------------


def _pcg32(state):
    """rand_core 0.10 seed_from_u64's PCG32 step: (new state, output word)."""
    state = (state * 0x5851F42D4C957F2D + 0xA17654E46FBE17F3) & M64
    xorshifted = (((state >> 18) ^ state) >> 27) & M32
    rot = state >> 59
    return state, ((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & M32


def _chacha_block(key, counter, stream, double_rounds):
    """One ChaCha block (16 little-endian u32 words): 64-bit counter, 64-bit stream."""
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *key,
         counter & M32, counter >> 32, stream & M32, stream >> 32]
    x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15 = s
    for _ in range(double_rounds):
        # column round
        x0 = (x0 + x4) & M32; x12 ^= x0; x12 = ((x12 << 16) | (x12 >> 16)) & M32
        x8 = (x8 + x12) & M32; x4 ^= x8; x4 = ((x4 << 12) | (x4 >> 20)) & M32
        x0 = (x0 + x4) & M32; x12 ^= x0; x12 = ((x12 << 8) | (x12 >> 24)) & M32
        x8 = (x8 + x12) & M32; x4 ^= x8; x4 = ((x4 << 7) | (x4 >> 25)) & M32
        x1 = (x1 + x5) & M32; x13 ^= x1; x13 = ((x13 << 16) | (x13 >> 16)) & M32
        x9 = (x9 + x13) & M32; x5 ^= x9; x5 = ((x5 << 12) | (x5 >> 20)) & M32
        x1 = (x1 + x5) & M32; x13 ^= x1; x13 = ((x13 << 8) | (x13 >> 24)) & M32
        x9 = (x9 + x13) & M32; x5 ^= x9; x5 = ((x5 << 7) | (x5 >> 25)) & M32
        x2 = (x2 + x6) & M32; x14 ^= x2; x14 = ((x14 << 16) | (x14 >> 16)) & M32
        x10 = (x10 + x14) & M32; x6 ^= x10; x6 = ((x6 << 12) | (x6 >> 20)) & M32
        x2 = (x2 + x6) & M32; x14 ^= x2; x14 = ((x14 << 8) | (x14 >> 24)) & M32
        x10 = (x10 + x14) & M32; x6 ^= x10; x6 = ((x6 << 7) | (x6 >> 25)) & M32
        x3 = (x3 + x7) & M32; x15 ^= x3; x15 = ((x15 << 16) | (x15 >> 16)) & M32
        x11 = (x11 + x15) & M32; x7 ^= x11; x7 = ((x7 << 12) | (x7 >> 20)) & M32
        x3 = (x3 + x7) & M32; x15 ^= x3; x15 = ((x15 << 8) | (x15 >> 24)) & M32
        x11 = (x11 + x15) & M32; x7 ^= x11; x7 = ((x7 << 7) | (x7 >> 25)) & M32
        # diagonal round
        x0 = (x0 + x5) & M32; x15 ^= x0; x15 = ((x15 << 16) | (x15 >> 16)) & M32
        x10 = (x10 + x15) & M32; x5 ^= x10; x5 = ((x5 << 12) | (x5 >> 20)) & M32
        x0 = (x0 + x5) & M32; x15 ^= x0; x15 = ((x15 << 8) | (x15 >> 24)) & M32
        x10 = (x10 + x15) & M32; x5 ^= x10; x5 = ((x5 << 7) | (x5 >> 25)) & M32
        x1 = (x1 + x6) & M32; x12 ^= x1; x12 = ((x12 << 16) | (x12 >> 16)) & M32
        x11 = (x11 + x12) & M32; x6 ^= x11; x6 = ((x6 << 12) | (x6 >> 20)) & M32
        x1 = (x1 + x6) & M32; x12 ^= x1; x12 = ((x12 << 8) | (x12 >> 24)) & M32
        x11 = (x11 + x12) & M32; x6 ^= x11; x6 = ((x6 << 7) | (x6 >> 25)) & M32
        x2 = (x2 + x7) & M32; x13 ^= x2; x13 = ((x13 << 16) | (x13 >> 16)) & M32
        x8 = (x8 + x13) & M32; x7 ^= x8; x7 = ((x7 << 12) | (x7 >> 20)) & M32
        x2 = (x2 + x7) & M32; x13 ^= x2; x13 = ((x13 << 8) | (x13 >> 24)) & M32
        x8 = (x8 + x13) & M32; x7 ^= x8; x7 = ((x7 << 7) | (x7 >> 25)) & M32
        x3 = (x3 + x4) & M32; x14 ^= x3; x14 = ((x14 << 16) | (x14 >> 16)) & M32
        x9 = (x9 + x14) & M32; x4 ^= x9; x4 = ((x4 << 12) | (x4 >> 20)) & M32
        x3 = (x3 + x4) & M32; x14 ^= x3; x14 = ((x14 << 8) | (x14 >> 24)) & M32
        x9 = (x9 + x14) & M32; x4 ^= x9; x4 = ((x4 << 7) | (x4 >> 25)) & M32
    out = (x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15)
    return [(a + b) & M32 for a, b in zip(out, s)]


class ChaCha8Stream:
    """stormflow's `Stream::new(seed, component)`: ChaCha8Rng::seed_from_u64(seed)
    with set_stream(component); u64s are two consecutive u32 words, low first.
    (Draws here are always whole u64s from a fresh stream, so a u64 never
    straddles rand_core's 64-word buffer.)"""

    def __init__(self, seed, stream, double_rounds=4):
        state = seed
        key = []
        for _ in range(8):
            state, word = _pcg32(state)
            key.append(word)
        self.key = key
        self.stream = stream
        self.double_rounds = double_rounds
        self.counter = 0
        self.buf = []
        self.pos = 0

    def next_u32(self):
        if self.pos >= len(self.buf):
            self.buf = _chacha_block(self.key, self.counter, self.stream, self.double_rounds)
            self.counter += 1
            self.pos = 0
        w = self.buf[self.pos]
        self.pos += 1
        return w

    def next_u64(self):
        lo = self.next_u32()
        return (self.next_u32() << 32) | lo

    def below(self, n):
        """Lemire's multiply-shift, as `Stream::below`."""
        return (self.next_u64() * n) >> 64


# --- Kafka's default partitioner (core/src/sim/murmur2.rs) ------------------


def murmur2(data: bytes) -> int:
    """Kafka's Utils.murmur2, as an unsigned 32-bit value."""
    m = 0x5BD1E995
    length = len(data)
    h = (0x9747B28C ^ length) & M32
    n4 = length // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & M32
        k ^= k >> 24
        k = (k * m) & M32
        h = (h * m) & M32
        h ^= k
    tail = data[4 * n4:]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if tail:
        h ^= tail[0]
        h = (h * m) & M32
    h ^= h >> 13
    h = (h * m) & M32
    h ^= h >> 15
    return h


def partition_for(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


# --- HDR histogram reporting (hdrhistogram 7, 1..1 week, 2 significant digits)


def hdr_highest_equivalent(v):
    """The top of v's bucket in an HDR histogram with 2 significant digits
    (sub-bucket count 256, unit 1): what stormflow's `value_at_quantile` reports."""
    if v < 256:
        return v
    shift = v.bit_length() - 8  # bucket width 2^shift
    return ((v >> shift) << shift) + (1 << shift) - 1


def quantile(hist, q):
    """Nearest-rank quantile (hdrhistogram's rank rule: the ceil(q*n)-th
    smallest, at least the first) of a {value: count} histogram."""
    total = sum(hist.values())
    if total == 0:
        return 0
    import math
    rank = max(1, math.ceil(q * total))
    seen = 0
    for v in sorted(hist):
        seen += hist[v]
        if seen >= rank:
            return v
    return max(hist)


# --- the model --------------------------------------------------------------


class Stats:
    def __init__(self):
        self.received = [0] * HOPS   # deliveries appended to p{h}'s input topic
        self.out = [0] * HOPS        # messages p{h} produced
        self.processed = [0] * HOPS
        self.in_flight = [0] * HOPS
        self.latency = [defaultdict(int) for _ in range(HOPS)]  # {us: count}
        self.produced = 0
        self.source_out = 0


def source(env, rng, topic0, part_of, stats):
    """Bursts of BURST events every EVERY_US, each to the partition of its key."""
    while True:
        now = env.now
        for _ in range(BURST):
            rng.below(1)  # stormflow picks the target by weight first (one draw)
            key = rng.below(KEYS)
            stats.produced += 1
            stats.source_out += 1
            stats.received[0] += 1
            topic0[part_of[key]].put((key, now))  # (key, root time); unbounded Store
        yield env.timeout(EVERY_US)


def consumer(env, hop, inbox, next_topic, part_of, stats):
    """One instance of processor p{hop}: owns one partition, one delivery at a time."""
    latency = stats.latency[hop]
    in_flight = stats.in_flight
    while True:
        key, root = yield inbox.get()
        in_flight[hop] += 1
        yield env.timeout(SERVICE_US)
        # Map: one output event with the same key and root time.
        stats.produced += 1
        stats.out[hop] += 1
        if next_topic is not None:
            if hop + 1 < HOPS:
                stats.received[hop + 1] += 1
            next_topic[part_of[key]].put((key, root))
        in_flight[hop] -= 1
        stats.processed[hop] += 1
        latency[env.now - root] += 1


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    until_us = int(round(seconds * 1_000_000))

    part_of = [partition_for(f"source-{k}".encode(), PARTITIONS) for k in range(KEYS)]
    env = simpy.Environment()
    stats = Stats()
    # Topics t0..t10, one FIFO Store per partition. t10 has no reader: its
    # appends are counted but not kept (stormflow trims an unread log too).
    topics = [[simpy.Store(env) for _ in range(PARTITIONS)] for _ in range(HOPS)]
    topics.append(None)
    rng = ChaCha8Stream(SEED, 0)
    env.process(source(env, rng, topics[0], part_of, stats))
    for hop in range(HOPS):
        for part in range(INSTANCES):
            env.process(consumer(env, hop, topics[hop][part], topics[hop + 1], part_of, stats))
    # stormflow runs every event at or before `until`; SimPy stops before
    # events at `until`, and every time here is a whole microsecond.
    env.run(until=until_us + 1)

    processed = sum(stats.processed)
    queued = sum(len(s.items) for t in topics if t for s in t)
    print(f"virtual_time_us {until_us}")
    print(f"messages_produced {stats.produced}")
    print(f"processed {processed}")
    print(f"queued {queued}")
    print(f"in_flight {sum(stats.in_flight)}")
    for hop in range(HOPS):
        h = stats.latency[hop]
        q = {p: quantile(h, p) for p in (0.5, 0.95, 0.99, 0.999)}
        mx = max(h) if h else 0
        print(
            f"p{hop} in {stats.received[hop]} out {stats.out[hop]} processed {stats.processed[hop]} "
            f"queued {sum(len(s.items) for s in topics[hop])} in_flight {stats.in_flight[hop]} "
            f"latency exact p50 {q[0.5]} p95 {q[0.95]} p99 {q[0.99]} p999 {q[0.999]} max {mx} | "
            f"hdr p50 {hdr_highest_equivalent(q[0.5])} p95 {hdr_highest_equivalent(q[0.95])} "
            f"p99 {hdr_highest_equivalent(q[0.99])} p999 {hdr_highest_equivalent(q[0.999])} "
            f"max {hdr_highest_equivalent(mx)}"
        )
    last = stats.latency[HOPS - 1]
    p50, p99 = quantile(last, 0.5), quantile(last, 0.99)
    print(f"source out {stats.source_out}")
    print(f"last_hop_latency_us p50 {p50} p99 {p99} "
          f"(hdr-reported p50 {hdr_highest_equivalent(p50)} p99 {hdr_highest_equivalent(p99)})")


if __name__ == "__main__":
    main()
