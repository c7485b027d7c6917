#!/usr/bin/env python3
"""Draws soak.sh's series as one SVG: the server's RSS and heap after GC over time (swaps marked),
and the p99 latency per minute. No plotting library: the SVG is written by hand."""
import sys

W, H, PAD = 760, 250, 52


def read_samples(path):
    rows = [line.rstrip("\n").split("\t") for line in open(path)][1:]
    return [(float(r[0]), float(r[1]), float(r[2]), r[4] if len(r) > 4 else "") for r in rows]


def read_minutes(path):
    out = []
    for line in open(path):
        parts = line.split("\t")
        if parts[0].isdigit():
            out.append((int(parts[0]), float(parts[4]), int(parts[2])))
    return out


def panel(x0, y0, title, xs, series, xmax, ymax, ylabel, xlabel, marks=()):
    def px(x):
        return x0 + PAD + (W - 2 * PAD) * x / xmax

    def py(y):
        return y0 + H - PAD + -(H - 2 * PAD) * y / ymax

    out = [f'<text x="{x0 + W / 2}" y="{y0 + 20}" text-anchor="middle" font-weight="bold">{title}</text>']
    out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(xmax)}" y2="{py(0)}" stroke="#333"/>')
    out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(0)}" y2="{py(ymax)}" stroke="#333"/>')
    for i in range(5):
        y = ymax * i / 4
        out.append(f'<text x="{px(0) - 6}" y="{py(y) + 4}" text-anchor="end" font-size="11">{y:.3g}</text>')
        out.append(f'<line x1="{px(0)}" y1="{py(y)}" x2="{px(xmax)}" y2="{py(y)}" stroke="#ddd"/>')
    for i in range(6):
        x = xmax * i / 5
        out.append(f'<text x="{px(x)}" y="{py(0) + 16}" text-anchor="middle" font-size="11">{x:.3g}</text>')
    out.append(f'<text x="{x0 + W / 2}" y="{y0 + H - 8}" text-anchor="middle" font-size="12">{xlabel}</text>')
    out.append(f'<text x="{x0 + 14}" y="{y0 + H / 2}" transform="rotate(-90 {x0 + 14} {y0 + H / 2})" '
               f'text-anchor="middle" font-size="12">{ylabel}</text>')
    for x, label in marks:
        out.append(f'<line x1="{px(x)}" y1="{py(0)}" x2="{px(x)}" y2="{py(ymax)}" stroke="#999" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{px(x) - 3}" y="{py(ymax) + 12}" text-anchor="end" font-size="11">{label}</text>')
    for ly, (name, colour, ys) in enumerate(series):
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        out.append(f'<text x="{px(0) + 8}" y="{py(ymax) + 14 + 14 * ly}" font-size="12" fill="{colour}">{name}</text>')
    return out


def main(samples_path, minutes_path, svg_path):
    samples = read_samples(samples_path)
    minutes = read_minutes(minutes_path)
    t = [s[0] for s in samples]
    rss = [s[1] for s in samples]
    heap = [s[2] for s in samples]
    marks = [(s[0], s[3]) for s in samples if s[3]]
    body = panel(0, 0, "Server memory during the soak", t,
                 [("RSS (MiB)", "#1f77b4", rss), ("heap after GC (MiB)", "#d62728", heap)],
                 max(t) or 1, max(rss + heap) * 1.15, "MiB", "seconds", marks)
    ms = [m[0] for m in minutes]
    p99 = [m[1] for m in minutes]
    # The first minute holds the JIT warm-up (hundreds of ms): scale to the rest, and say so.
    steady = p99[1:] or p99
    top = max(steady) * 1.5
    off = [(m, v) for m, v in zip(ms, p99) if v > top]
    title = "p99 latency per minute (all requests)"
    if off:
        title += "; off the scale: " + ", ".join(f"minute {m} {v:.0f} ms" for m, v in off)
    body += panel(0, H, title, ms, [("p99 (ms)", "#2ca02c", [min(v, top) for v in p99])],
                  max(ms) or 1, top, "ms", "minute")
    with open(svg_path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{2 * H}" '
                f'font-family="sans-serif" viewBox="0 0 {W} {2 * H}">\n'
                '<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
