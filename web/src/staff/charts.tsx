// Charts drawn by the app in SVG, no chart library: a few bars and columns
// do not need one, and the app keeps its strict CSP (no inline styles,
// colours come from classes in style.css). Every chart is aria-hidden and
// sits next to a table with the same numbers; each bar carries its number
// in data-n, so tests read the chart as well as the table.
import type { ComponentChildren } from "preact";
import { locale } from "../shared/format";

/** num formats a number in the page's language. */
export const num = (n: number, digits = 0) =>
  new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);

/** Series is one coloured set of bars: a CSS class (series-cur, series-prev,
 * series-done…) and the name the legend shows. */
export interface Series {
  key: string;
  name: string;
  cls: string;
}

/** Legend names the series of a chart with their colours. */
export function Legend({ series }: { series: Series[] }) {
  return (
    <p class="small mb-1 chart-legend">
      {series.map((s) => (
        <span key={s.key} class="me-3">
          <span class={`legend-swatch ${s.cls}`} aria-hidden="true">
            ■
          </span>{" "}
          {s.name}
        </span>
      ))}
    </p>
  );
}

/** Figure is a chart with its caption, its legend and the table of its
 * numbers. */
export function Figure({ id, caption, series, chart, children }: { id: string; caption: string; series: Series[]; chart: ComponentChildren; children: ComponentChildren }) {
  return (
    <figure class="chart mb-5" id={id} aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`} class="h5">
        {caption}
      </figcaption>
      <Legend series={series} />
      {chart}
      {children}
    </figure>
  );
}

export interface BarRow {
  key: string;
  label: string;
  /** one value per series, in the chart's series order */
  values: number[];
}

/** HBars draws, per row, one horizontal bar per series (the first thicker),
 * on one scale; fmt writes the value after each bar. */
export function HBars({ rows, series, fmt = (n) => num(n), max }: { rows: BarRow[]; series: Series[]; fmt?: (n: number) => string; max?: number }) {
  const top = Math.max(max ?? 0, 1e-9, ...rows.flatMap((r) => r.values));
  const labelW = 220, barW = 380, w = labelW + barW + 90;
  const thick = 16, thin = 11, gap = 3;
  const rowH = thick + (series.length - 1) * (thin + gap) + 18;
  return (
    <svg class="chart-svg" viewBox={`0 0 ${w} ${rows.length * rowH + 6}`} width="100%" aria-hidden="true" focusable="false">
      {rows.map((r, i) => {
        const y0 = i * rowH + 4;
        let y = y0;
        return (
          <g key={r.key} data-row={r.key}>
            <text x={0} y={y0 + 13} class="chart-label">
              {r.label.length > 28 ? r.label.slice(0, 27) + "…" : r.label}
            </text>
            {series.map((s, j) => {
              const h = j === 0 ? thick : thin;
              const v = r.values[j] ?? 0;
              const bw = (v / top) * barW;
              const bar = (
                <g key={s.key}>
                  <rect x={labelW} y={y} width={Math.max(bw, 0.5)} height={h} class={s.cls} data-series={s.key} data-n={v} />
                  <text x={labelW + bw + 6} y={y + h - 2} class="chart-value">
                    {fmt(v)}
                  </text>
                </g>
              );
              y += h + gap;
              return bar;
            })}
          </g>
        );
      })}
    </svg>
  );
}

/** Columns draws a value per date as vertical columns, the series of a
 * date side by side (the period and the previous one day by day). Dates
 * are labelled by day of month, often enough to stay readable. */
export function Columns({ dates, series, values }: { dates: string[]; series: Series[]; values: number[][] }) {
  const n = Math.max(dates.length, 1);
  const left = 36, plotW = 720, plotH = 160, bottom = 22, w = left + plotW + 8;
  const top = Math.max(1, ...values.flat());
  const slot = plotW / n;
  const barW = Math.max((slot * 0.8) / series.length, 0.6);
  const every = Math.ceil(n / 15);
  const y = (v: number) => 8 + plotH - (v / top) * plotH;
  return (
    <svg class="chart-svg" viewBox={`0 0 ${w} ${plotH + bottom + 10}`} width="100%" aria-hidden="true" focusable="false">
      <line x1={left} y1={8 + plotH} x2={left + plotW} y2={8 + plotH} class="chart-axis" />
      <text x={left - 6} y={14} class="chart-value" text-anchor="end">
        {num(top)}
      </text>
      <text x={left - 6} y={8 + plotH} class="chart-value" text-anchor="end">
        0
      </text>
      {dates.map((d, i) => (
        <g key={d} data-date={d}>
          {series.map((s, j) => {
            const v = values[j]?.[i] ?? 0;
            return <rect key={s.key} x={left + i * slot + slot * 0.1 + j * barW} y={y(v)} width={barW} height={8 + plotH - y(v)} class={s.cls} data-series={s.key} data-n={v} />;
          })}
          {i % every === 0 && (
            <text x={left + i * slot + slot / 2} y={8 + plotH + 16} class="chart-value" text-anchor="middle">
              {Number(d.slice(8, 10))}
            </text>
          )}
        </g>
      ))}
    </svg>
  );
}
