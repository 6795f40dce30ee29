"""PNG charts of a benchmark run: for each upstream latency, one figure with a row per call —
calls/s against concurrency on the left, p50 and p99 latency on the right — a line per
target, the floors drawn in grey.

A function of the results file alone (``bench/results/latest.json``), so the charts and
``docs/benchmarks.md`` can be redrawn without measuring again: ``python -m bench --report-only``.

*Floors* are the targets that show what the bridge cannot beat: ``direct`` (the emulator
called straight, no bridge in between) and ``floor`` (a framework answering a constant, when
the run has one). Every other target (bridge, naive, and any added later, e.g. a streamed
path) gets a colour of its own, so a new target appears without a change here.
"""

from __future__ import annotations

from pathlib import Path

FLOORS = {"direct": "direct (no bridge)", "floor": "framework floor"}
FLOOR_STYLE = {"direct": {"color": "#444444", "linestyle": "--"}, "floor": {"color": "#999999", "linestyle": "-."}}
COLOURS = {"bridge": "#0969da", "naive": "#d1242f"}
SPARE = ["#1a7f37", "#8250df", "#bf8700", "#1b7c83", "#cf222e"]


def chart_name(latency: float) -> str:
    return f"bench-{latency:g}ms.png"


def series(cells: list[dict], latency: float, call: str, target: str, field: str) -> tuple[list[int], list[float]]:
    points = sorted((c["concurrency"], c[field]) for c in cells
                    if c["latency_ms"] == latency and c["call"] == call and c["target"] == target
                    and c.get(field) is not None and c.get("calls"))
    return [p[0] for p in points], [p[1] for p in points]


def style(target: str, others: list[str]) -> dict:
    if target in FLOOR_STYLE:
        return {**FLOOR_STYLE[target], "linewidth": 1.4, "label": f"floor: {FLOORS[target]}"}
    colour = COLOURS.get(target) or SPARE[others.index(target) % len(SPARE)]
    return {"color": colour, "linestyle": "-", "linewidth": 2.0 if target == "bridge" else 1.6,
            "marker": "o", "markersize": 4, "label": target}


def log_axes(ax, concurrencies: list[int]) -> None:
    """Concurrency (log 2) across, calls/s or ms (log 10) up, with plain-number labels."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator

    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(concurrencies))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))  # labels within a decade too
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 10 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="both", color="#e5e5e5", linewidth=0.6)


def draw(result: dict, latency: float, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as plt

    cells = [c for c in result["cells"] if c["latency_ms"] == latency]
    calls = sorted({c["call"] for c in cells})
    targets = sorted({c["target"] for c in cells}, key=lambda t: (t in FLOORS, t != "bridge", t))
    others = [t for t in targets if t not in COLOURS and t not in FLOORS]
    concurrencies = sorted({c["concurrency"] for c in cells})
    fig, axes = plt.subplots(len(calls), 2, figsize=(11, 2.5 * len(calls) + 0.9), squeeze=False)
    for row, call in enumerate(calls):
        speed, delay = axes[row]
        for target in targets:
            look = style(target, others)
            x, y = series(cells, latency, call, target, "calls_per_s")
            speed.plot(x, y, **look)
            x, p50 = series(cells, latency, call, target, "p50_us")
            delay.plot(x, [v / 1000 for v in p50], **look)
            x, p99 = series(cells, latency, call, target, "p99_us")
            dotted = {**look, "linestyle": ":", "marker": "^" if "marker" in look else None, "label": None}
            delay.plot(x, [v / 1000 for v in p99], **dotted)
        speed.set_ylabel(f"{call}\ncalls/s")
        delay.set_ylabel("ms (— p50, ··· p99)")
        for ax in (speed, delay):
            log_axes(ax, concurrencies)
        if row == 0:
            speed.set_title("throughput (higher is better)", fontsize=10)
            delay.set_title("latency per call (lower is better)", fontsize=10)
        if row == len(calls) - 1:
            speed.set_xlabel("concurrency (calls in flight)")
            delay.set_xlabel("concurrency (calls in flight)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    top = 1 - 0.55 / fig.get_figheight()  # room for the title and the legend above the plots
    fig.suptitle(f"Upstream latency {latency:g} ms — {result['machine']['nproc']} CPUs, "
                 f"{result['duration_per_cell_s']:g} s per cell, {result['date']}", y=0.995, fontsize=11)
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.3 / fig.get_figheight()))
    fig.tight_layout(rect=(0, 0, 1, top))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write(result: dict, directory: Path) -> list[Path]:
    """One PNG per upstream latency in ``directory``; returns their paths."""
    latencies = sorted({c["latency_ms"] for c in result["cells"]})
    return [draw(result, latency, directory / chart_name(latency)) for latency in latencies]
