"""Charts as inline SVG, drawn on the server: no script, no library, nothing from the web.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and described by its
``<desc>``; the dashboard shows the same numbers in a table right after it.
"""

from __future__ import annotations

from datetime import date

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito, darkened for contrast on white), one per step.
PALETTE = [
    "#0b5fa5",
    "#b35900",
    "#00795c",
    "#a8326e",
    "#5b4b99",
    "#6b6b00",
    "#c0392b",
    "#00708a",
    "#444444",
]


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg id="{chart_id}" class="reach-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def funnel_chart(
    rows: list[dict], *, title: str, desc: str, chart_id: str = "funnel"
) -> SafeString:
    """Horizontal bars, one per step, longest = largest count; count and rate on the right."""
    label_w, bar_w, value_w, row_h = 310, 300, 380, 34
    width = label_w + bar_w + value_w
    height = row_h * len(rows) + 10
    top = max((row["count"] for row in rows), default=0) or 1
    parts = _open(chart_id, width, height, title, desc)
    for i, row in enumerate(rows):
        y = 5 + i * row_h
        length = bar_w * row["count"] / top
        value = number_format(row["count"], force_grouping=True)
        if row.get("rate"):
            value += f" ({row['rate']['label']})"
        parts += [
            f'<text x="{label_w - 8}" y="{_n(y + row_h / 2 + 5)}" text-anchor="end" '
            f'class="chart-label">{escape(row["label"])}</text>',
            f'<rect x="{label_w}" y="{y + 4}" width="{_n(max(length, 1 if row["count"] else 0))}" '
            f'height="{row_h - 8}" fill="{PALETTE[i % len(PALETTE)]}"></rect>',
            f'<text x="{_n(label_w + length + 6)}" y="{_n(y + row_h / 2 + 5)}" '
            f'class="chart-value">{escape(value)}</text>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def _ticks(top: int) -> list[int]:
    if top <= 5:
        return list(range(0, max(top, 1) + 1))
    raw = top / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, top + step, step))


def monthly_chart(
    months: list[date],
    series: list[tuple[str, list[int]]],
    *,
    month_labels: list[str],
    title: str,
    desc: str,
    chart_id: str = "monthly",
) -> SafeString:
    """One line per series over the months, with a y axis, month labels and a legend."""
    left, right, top_pad, plot_h = 56, 20, 16, 240
    legend_row = 22
    columns = max(len(months), 1)
    plot_w = max(92 * columns, 480)  # room for "septembre 2026"
    width = left + plot_w + right
    legend_h = legend_row * ((len(series) + 2) // 3)
    height = top_pad + plot_h + 40 + legend_h
    highest = max((max(values, default=0) for _, values in series), default=0)
    ticks = _ticks(highest)
    scale_top = ticks[-1] or 1
    parts = _open(chart_id, width, height, title, desc)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / columns)

    def y(value: int) -> float:
        return top_pad + plot_h - plot_h * value / scale_top

    for tick in ticks:
        parts += [
            f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" '
            f'class="chart-grid" stroke="#d0d0d0"></line>',
            f'<text x="{left - 6}" y="{_n(y(tick) + 4)}" text-anchor="end" '
            f'class="chart-axis">{number_format(tick, force_grouping=True)}</text>',
        ]
    for i, label in enumerate(month_labels):
        parts.append(
            f'<text x="{_n(x(i))}" y="{top_pad + plot_h + 18}" text-anchor="middle" '
            f'class="chart-axis">{escape(label)}</text>'
        )
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in enumerate(values))
        if len(values) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5">'
                "</polyline>"
            )
        for i, v in enumerate(values):
            parts.append(
                f'<circle cx="{_n(x(i))}" cy="{_n(y(v))}" r="3.5" fill="{colour}"></circle>'
            )
        lx = left + (n % 3) * (plot_w // 3)
        ly = top_pad + plot_h + 40 + (n // 3) * legend_row
        parts += [
            f'<rect x="{lx}" y="{ly - 10}" width="14" height="14" fill="{colour}"></rect>',
            f'<text x="{lx + 20}" y="{ly + 2}" class="chart-legend">{escape(name)}</text>',
        ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
