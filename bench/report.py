"""The results as markdown: a section of ``docs/benchmarks.md`` rewritten by every run
(between the two markers; the prose around it is kept)."""

from __future__ import annotations

import os
from pathlib import Path

BEGIN = "<!-- bench:results (written by python -m bench; edit outside these markers) -->"
END = "<!-- /bench:results -->"

TARGETS = {  # from the issue; checked here so a reader sees pass/fail next to the number
    "added_p50_c1_us": 300.0,
    "bridge_over_naive_50ms_c64": 50.0,
    "rss_change_pct": 5.0,
}


def ms(us) -> str:
    if us is None or us != us:
        return "–"
    return f"{us / 1000:.2f}"


def num(x, digits=0) -> str:
    if x is None or x != x:
        return "–"
    return f"{x:,.{digits}f}"


def headline(result: dict) -> list[str]:
    rows = result["summary"]["rows"]
    lines = ["| target | measured | met? |", "|---|---|---|"]
    c1 = [r for r in rows if r["latency_ms"] == 0 and r["concurrency"] == 1 and "added_p50_us" in r]
    for r in c1:
        ok = r["added_p50_us"] <= TARGETS["added_p50_c1_us"]
        lines.append(f"| added p50 latency at c=1, 0 ms upstream, `{r['call']}` ≤ 0.3 ms | "
                     f"{ms(r['added_p50_us'])} ms | {'yes' if ok else '**no**'} |")
    c64 = [r for r in rows if r["latency_ms"] == 50 and r["concurrency"] == 64 and r.get("bridge_over_naive")]
    for r in c64:
        ok = r["bridge_over_naive"] >= TARGETS["bridge_over_naive_50ms_c64"]
        lines.append(f"| bridge/naive throughput at c=64, 50 ms upstream, `{r['call']}` ≥ 50× | "
                     f"{r['bridge_over_naive']}× | {'yes' if ok else '**no**'} |")
    pool = pool_size(result)
    conns = [r["upstream_connections_per_1000"] for r in rows if r.get("upstream_connections_per_1000") is not None]
    if conns:
        worst = max(conns)
        lines.append(f"| upstream connections per 1000 calls ≤ pool size ({pool}), worst cell | "
                     f"{worst:g} | {'yes' if worst <= pool else '**no**'} |")
    memory = result.get("memory")
    if memory:
        ok = abs(memory["rss_change_pct"]) <= TARGETS["rss_change_pct"]
        lines.append(f"| RSS flat (±5 %) from {num(memory['first_calls'])} to {num(memory['total_calls'])} calls | "
                     f"{memory['rss_change_pct']:+.2f} % | {'yes' if ok else '**no**'} |")
    return lines


def pool_size(result: dict) -> int:
    options = result.get("daemon_options", [])
    for i, option in enumerate(options):
        if option.startswith("--pool-size"):
            return int(option.split("=", 1)[1] if "=" in option else options[i + 1])
    from okxbridge.service import Options
    return Options().defaults["pool-size"]


def matrix(result: dict, latency: float) -> list[str]:
    lines = [
        "| call | c | direct calls/s | bridge calls/s | naive calls/s | bridge/naive | direct p50/p99 ms | "
        "bridge p50/p99 ms | added p50/p99 ms | naive p50/p99 ms | upstream conns/1000 | upstream req/call | "
        "daemon CPU µs/call | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in result["summary"]["rows"]:
        if r["latency_ms"] != latency:
            continue
        ratio = f"{r['bridge_over_naive']}×" if r.get("bridge_over_naive") else "–"
        lines.append(
            f"| {r['call']} | {r['concurrency']} | {num(r.get('direct_calls_per_s'))} | "
            f"{num(r['bridge_calls_per_s'])} | {num(r.get('naive_calls_per_s'))} | {ratio} | "
            f"{ms(r.get('direct_p50_us'))} / {ms(r.get('direct_p99_us'))} | "
            f"{ms(r['bridge_p50_us'])} / {ms(r['bridge_p99_us'])} | "
            f"{ms(r.get('added_p50_us'))} / {ms(r.get('added_p99_us'))} | "
            f"{ms(r.get('naive_p50_us'))} / {ms(r.get('naive_p99_us'))} | "
            f"{num(r.get('upstream_connections_per_1000'), 1)} | {num(r.get('upstream_requests_per_call'), 3)} | "
            f"{num(r.get('cpu_us_per_call'))} | {r['errors']} |")
    return lines


def memory_lines(memory: dict | None) -> list[str]:
    if not memory:
        return ["(memory curve not run)"]
    first, after = memory["rss_kb_after_first"], memory["rss_kb_after_total"]
    short = memory["total_calls"] < memory["target_calls"]
    return [
        "| daemon | value |", "|---|--:|",
        f"| RSS at start | {memory['rss_kb_at_start'] / 1024:.1f} MiB |",
        f"| RSS after {num(memory['first_calls'])} calls | {first['VmRSS'] / 1024:.1f} MiB |",
        f"| RSS after {num(memory['total_calls'])} calls{' (time cap reached)' if short else ''} | "
        f"{after['VmRSS'] / 1024:.1f} MiB ({memory['rss_change_pct']:+.2f} %) |",
        f"| peak RSS (VmHWM) | {memory['peak_rss_kb'] / 1024:.1f} MiB |",
        f"| ticker c=64 over the run | {num(memory['calls_per_s'])} calls/s, "
        f"{num(memory['cpu_us_per_call'])} µs CPU/call, {memory['errors']} errors |",
        f"| upstream connections per 1000 calls | {memory['upstream_connections_per_1000']} |",
        f"| upstream requests per call (coalescing) | {memory['upstream_requests_per_call']} |",
    ]


STREAM_TARGETS = {"stream_over_naive_50ms_c64": 50.0, "stream_over_floor_p50_c1": 1.5, "staleness_p99_us": 5000.0}


def stream_index(result: dict) -> dict:
    cells = list(result["cells"]) + list(result.get("streaming", {}).get("cells", []))
    return {(c["latency_ms"], c["call"], c["concurrency"], c["target"]): c for c in cells}


def stream_headline(result: dict) -> list[str]:
    streaming = result.get("streaming") or {}
    if not streaming.get("cells"):
        return []
    index, lines = stream_index(result), []
    for (latency, call, conc, target), cell in sorted(index.items()):
        if target != "stream":
            continue
        naive, floor = index.get((latency, call, conc, "naive")), index.get((latency, call, conc, "floor"))
        if latency == 50 and conc == 64 and call == "ticker" and naive and naive["calls_per_s"]:
            ratio = cell["calls_per_s"] / naive["calls_per_s"]
            ok = ratio >= STREAM_TARGETS["stream_over_naive_50ms_c64"]
            lines.append(f"| stream-served ticker/naive throughput at c=64, 50 ms upstream, rate limits on ≥ 50× | "
                         f"{ratio:.1f}× | {'yes' if ok else '**no**'} |")
        if conc == 1 and floor and floor["p50_us"]:
            ratio = cell["p50_us"] / floor["p50_us"]
            ok = ratio <= STREAM_TARGETS["stream_over_floor_p50_c1"]
            lines.append(f"| stream-served `{call}` p50 at c=1, {latency:g} ms upstream ≤ 1.5× floor | "
                         f"{ratio:.2f}× ({ms(cell['p50_us'])} vs {ms(floor['p50_us'])} ms) | "
                         f"{'yes' if ok else '**no**'} |")
    rest = [c.get("upstream_requests_per_call") for c in streaming["cells"] if c["target"] == "stream"]
    rest = [r for r in rest if r is not None]
    if rest:
        lines.append(f"| 0 REST market requests per stream-served call, worst cell | {max(rest):g} | "
                     f"{'yes' if max(rest) == 0 else '**no**'} |")
    for s in streaming.get("staleness", []):
        ok = s["p99_us"] <= STREAM_TARGETS["staleness_p99_us"]
        lines.append(f"| push-to-answer p99 ≤ 5 ms ({s['latency_ms']:g} ms upstream) | {ms(s['p99_us'])} ms | "
                     f"{'yes' if ok else '**no**'} |")
    memory = streaming.get("memory")
    if memory:
        ok = abs(memory["rss_change_pct"]) <= TARGETS["rss_change_pct"]
        lines.append(f"| streaming daemon RSS flat (±5 %) from {num(memory['first_calls'])} to "
                     f"{num(memory['total_calls'])} calls, {memory.get('subscriptions', 0)} subscriptions | "
                     f"{memory['rss_change_pct']:+.2f} % | {'yes' if ok else '**no**'} |")
    return lines


def stream_matrix(result: dict) -> list[str]:
    streaming = result.get("streaming") or {}
    if not streaming.get("cells"):
        return ["(streaming not measured)"]
    index = stream_index(result)
    lines = ["| upstream | call | c | direct calls/s, p50/p99 ms | bridge (REST) | stream | floor | naive | "
             "stream REST req/call | stream/naive | stream p50 / floor p50 |",
             "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]

    def cell_text(c):
        return "–" if c is None else f"{num(c['calls_per_s'])}, {ms(c['p50_us'])} / {ms(c['p99_us'])}"

    for (latency, call, conc, target), cell in sorted(index.items()):
        if target != "stream":
            continue
        direct, bridge, naive, floor = (index.get((latency, call, conc, t))
                                        for t in ("direct", "bridge", "naive", "floor"))
        over_naive = f"{cell['calls_per_s'] / naive['calls_per_s']:.1f}×" if naive and naive["calls_per_s"] else "–"
        over_floor = f"{cell['p50_us'] / floor['p50_us']:.2f}×" if floor and floor["p50_us"] else "–"
        lines.append(f"| {latency:g} ms | {call} | {conc} | {cell_text(direct)} | {cell_text(bridge)} | "
                     f"{cell_text(cell)} | {cell_text(floor)} | {cell_text(naive)} | "
                     f"{num(cell.get('upstream_requests_per_call'), 3)} | {over_naive} | {over_floor} |")
    lines += ["", "| upstream | price moves | calls | push-to-answer p50 | p99 | max | REST requests |",
              "|--:|--:|--:|--:|--:|--:|--:|"]
    for s in streaming.get("staleness", []):
        lines.append(f"| {s['latency_ms']:g} ms | {s['moves']} | {s['calls']} | {ms(s['p50_us'])} ms | "
                     f"{ms(s['p99_us'])} ms | {ms(s['max_us'])} ms | {s['rest_requests']} |")
    return lines


def relative(charts: list[Path], base: Path) -> list[str]:
    """Chart paths as the markdown file at ``base`` links them."""
    return [os.path.relpath(c, base) for c in charts]


FLOOR_WORDS = {"direct": "`direct`, the emulator called with no bridge in between",
               "floor": "`floor`, a framework answering a constant"}


def chart_lines(charts: list[str], targets: set[str]) -> list[str]:
    if not charts:
        return []
    floors = [words for target, words in FLOOR_WORDS.items() if target in targets]
    out = ["", "### Charts", "",
           "Calls/s (left) and p50/p99 latency (right) against concurrency, per call and target, both axes "
           "logarithmic" + (f"; grey lines are the floors: {'; '.join(floors)}." if floors else ".")]
    for chart in charts:
        out += ["", f"![{Path(chart).stem}]({chart})"]
    return out


def markdown(result: dict, charts: list[str] = ()) -> str:
    m = result["machine"]
    out = [
        f"Run `{result['command']}` on {result['date']}: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gb']} GB, "
        f"Python {m['python']}, {m['platform']}; {result['duration_per_cell_s']:g} s per cell, "
        f"whole run {result.get('wall_seconds', '?')} s. Daemon options: `{' '.join(result['daemon_options'])}`.",
        *chart_lines(list(charts), {c["target"] for c in result["cells"]}),
        "", "### Targets", "", *headline(result), *stream_headline(result),
    ]
    for latency in sorted({r["latency_ms"] for r in result["summary"]["rows"]}):
        out += ["", f"### Upstream latency {latency:g} ms", "", *matrix(result, latency)]
    out += ["", "### Streamed market data (ticker, depth)", "", *stream_matrix(result)]
    out += ["", "### Daemon memory (ticker, c=64, 0 ms)", "", *memory_lines(result.get("memory"))]
    if (result.get("streaming") or {}).get("memory"):
        out += ["", "### Streaming daemon memory (ticker, c=64, 0 ms, 20 subscriptions)", "",
                *memory_lines(result["streaming"]["memory"])]
    return "\n".join(out) + "\n"


def write(path: Path, result: dict, charts: list[Path] = ()) -> None:
    section = f"{BEGIN}\n{markdown(result, relative(list(charts), path.parent))}{END}"
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
