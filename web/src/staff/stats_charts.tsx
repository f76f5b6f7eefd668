// The statistics as charts: the period day by day next to the previous
// one, and service by service (saturation, days to the first free slot,
// attendance, the gates of events). Each chart has a table with its
// numbers; cells carry the raw number in data-n.
import type { GetStatsResponse } from "../gen/varco/v1/admin_pb";
import { ResourceKind } from "../gen/varco/v1/catalog_pb";
import type { ServiceStats, Stats, StatsDay } from "../gen/varco/v1/stats_pb";
import { Columns, Figure, HBars, num, type Series } from "./charts";
import { t, type Key } from "./messages";

interface Col {
  key: string;
  label: string;
}
interface Cell {
  key: string;
  n?: number;
  text: string;
}
interface Row {
  key: string;
  label: string;
  cells: Cell[];
}

/** DataTable is a chart's numbers: one row header, one cell per column. */
function DataTable({ id, caption, head, cols, rows }: { id: string; caption: string; head: string; cols: Col[]; rows: Row[] }) {
  return (
    // Focusable, so a keyboard can scroll a table wider than the screen.
    <div class="table-responsive" tabIndex={0} role="region" aria-label={caption}>
      <table class="table table-sm" id={id}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            {cols.map((c) => (
              <th scope="col" key={c.key}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-row={r.key}>
              <th scope="row">{r.label}</th>
              {r.cells.map((c) => (
                <td key={c.key} data-k={c.key} data-n={c.n}>
                  {c.text}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const int = (key: string, n: number): Cell => ({ key, n, text: num(n) });
const pct = (key: string, n: number): Cell => ({ key, n, text: `${num(n, 1)} %` });
const dec = (key: string, n: number): Cell => ({ key, n, text: num(n, 1) });

/** periodSeries names this period's and the previous one's series; the
 * keys are the daily table's columns. */
function periodSeries(cur: Stats, prev: Stats, what: string, keys: [string, string]): Series[] {
  return [
    { key: keys[0], name: `${what} — ${t("stats.periodOf", cur.fromDate, cur.toDate)}`, cls: "series-cur" },
    { key: keys[1], name: `${what} — ${t("stats.previousOf", prev.fromDate, prev.toDate)}`, cls: "series-prev" },
  ];
}

/** Daily: bookings and cancellations over time, the previous period's day
 * i next to this period's day i. */
function Daily({ cur, prev }: { cur: Stats; prev: Stats }) {
  const dates = cur.days.map((d) => d.date);
  const at = (list: StatsDay[], i: number) => list[i];
  const cancelled = (d?: StatsDay) => (d ? d.cancelledByUser + d.cancelledByOperator : 0);
  const bookings = periodSeries(cur, prev, t("stats.bookings"), ["bookings", "prevBookings"]);
  const cancels: Series[] = [
    { key: "cancelledByUser", name: t("stats.cancelledByUser"), cls: "series-user" },
    { key: "cancelledByOperator", name: t("stats.cancelledByOperator"), cls: "series-office" },
    { key: "prevCancelled", name: t("chart.cancelledPrev"), cls: "series-prev" },
  ];
  const cols: Col[] = [
    { key: "bookings", label: t("stats.bookings") },
    { key: "cancelledByUser", label: t("stats.cancelledByUser") },
    { key: "cancelledByOperator", label: t("stats.cancelledByOperator") },
    { key: "done", label: t("stats.done") },
    { key: "noShow", label: t("stats.noShow") },
    { key: "entries", label: t("stats.entries") },
    { key: "exits", label: t("chart.exits") },
    { key: "prevDate", label: t("chart.prevDate") },
    { key: "prevBookings", label: t("chart.prevBookings") },
    { key: "prevCancelled", label: t("chart.cancelledPrev") },
  ];
  const rows: Row[] = cur.days.map((d, i) => {
    const p = at(prev.days, i);
    return {
      key: d.date,
      label: d.date,
      cells: [
        int("bookings", d.bookings), int("cancelledByUser", d.cancelledByUser), int("cancelledByOperator", d.cancelledByOperator),
        int("done", d.done), int("noShow", d.noShow), int("entries", d.entries), int("exits", d.exits),
        { key: "prevDate", text: p?.date ?? "—" }, int("prevBookings", p?.bookings ?? 0), int("prevCancelled", cancelled(p)),
      ],
    };
  });
  return (
    <>
      <Figure id="chart-bookings" caption={t("chart.bookingsTitle")} series={bookings}
        chart={<Columns dates={dates} series={bookings} values={[cur.days.map((d) => d.bookings), cur.days.map((_, i) => at(prev.days, i)?.bookings ?? 0)]} />}>
        {null}
      </Figure>
      <Figure id="chart-cancellations" caption={t("chart.cancellationsTitle")} series={cancels}
        chart={<Columns dates={dates} series={cancels}
          values={[cur.days.map((d) => d.cancelledByUser), cur.days.map((d) => d.cancelledByOperator), cur.days.map((_, i) => cancelled(at(prev.days, i)))]} />}>
        <details class="mb-3">
          <summary>{t("chart.dailyTable")}</summary>
          <DataTable id="stats-days" caption={t("chart.dailyCaption")} head={t("chart.date")} cols={cols} rows={rows} />
        </details>
      </Figure>
    </>
  );
}

type Metric = (s: Stats) => number;

/** PerService draws one metric per service, this period against the
 * previous one, with a table of both and extra columns. */
function PerService({ id, title, caption, services, prevOf, metric, fmt, cell, extra }: {
  id: string; title: string; caption: string; services: ServiceStats[]; prevOf: (id: string) => Stats | undefined;
  metric: Metric; fmt: (n: number) => string; cell: (k: string, n: number) => Cell; extra?: [Key, Metric, (k: string, n: number) => Cell][];
}) {
  const series: Series[] = [
    { key: "cur", name: t("stats.period"), cls: "series-cur" },
    { key: "prev", name: t("stats.previous"), cls: "series-prev" },
  ];
  const cols: Col[] = [
    { key: "cur", label: t("stats.period") },
    { key: "prev", label: t("stats.previous") },
    ...(extra ?? []).map(([k]) => ({ key: k, label: t(k) })),
  ];
  const rows: Row[] = services.map((s) => {
    const p = prevOf(s.resourceId);
    return {
      key: s.resourceId,
      label: s.name,
      cells: [cell("cur", metric(s.stats!)), cell("prev", p ? metric(p) : 0), ...(extra ?? []).map(([k, m, c]) => c(k, m(s.stats!)))],
    };
  });
  return (
    <Figure id={id} caption={title} series={series}
      chart={<HBars series={series} fmt={fmt} rows={services.map((s) => ({ key: s.resourceId, label: s.name, values: [metric(s.stats!), prevOf(s.resourceId) ? metric(prevOf(s.resourceId)!) : 0] }))} />}>
      <DataTable id={`${id}-table`} caption={caption} head={t("chart.service")} cols={cols} rows={rows} />
    </Figure>
  );
}

/** StatsCharts draws every chart of a GetStats answer. */
export function StatsCharts({ data }: { data: GetStatsResponse }) {
  const cur = data.current!, prev = data.previous!;
  const prevBy = new Map(prev.services.map((s) => [s.resourceId, s.stats!]));
  const prevOf = (id: string) => prevBy.get(id);
  const services = cur.services.filter((s) => s.stats);
  const events = services.filter((s) => s.kind === ResourceKind.EVENT);
  const attendance: Series[] = [
    { key: "done", name: t("stats.done"), cls: "series-done" },
    { key: "noShow", name: t("stats.noShow"), cls: "series-noshow" },
    { key: "prevDone", name: `${t("stats.done")} — ${t("stats.previous").toLowerCase()}`, cls: "series-prev" },
    { key: "prevNoShow", name: `${t("stats.noShow")} — ${t("stats.previous").toLowerCase()}`, cls: "series-prev-noshow" },
  ];
  const gates: Series[] = [
    { key: "entries", name: t("stats.entries"), cls: "series-cur" },
    { key: "exits", name: t("chart.exits"), cls: "series-exits" },
    { key: "peak", name: t("chart.peak"), cls: "series-peak" },
  ];
  const pctFmt = (n: number) => `${num(n, 1)} %`;
  return (
    <section aria-labelledby="charts-title" class="mt-4" id="stats-charts">
      <h2 id="charts-title" class="h4 mb-3">
        {t("chart.title")}
      </h2>
      {cur.days.length > 0 && <Daily cur={cur} prev={prev} />}
      {services.length === 0 && <p class="text-muted">{t("chart.noServices")}</p>}
      {services.length > 0 && (
        <>
          <PerService id="chart-saturation" title={t("chart.saturationTitle")} caption={t("chart.saturationCaption")} services={services} prevOf={prevOf}
            metric={(s) => s.saturationPercent} fmt={pctFmt} cell={pct}
            extra={[["chart.slotsOffered", (s) => s.slotsOffered, int], ["chart.capacityHours", (s) => s.capacityHours, dec]]} />
          <PerService id="chart-firstfree" title={t("chart.firstFreeTitle")} caption={t("chart.firstFreeCaption")} services={services} prevOf={prevOf}
            metric={(s) => s.avgDaysToFirstAvailability} fmt={(n) => num(n, 1)} cell={dec} />
          <Figure id="chart-attendance" caption={t("chart.attendanceTitle")} series={attendance}
            chart={<HBars series={attendance} rows={services.map((s) => {
              const p = prevOf(s.resourceId);
              return { key: s.resourceId, label: s.name, values: [s.stats!.done, s.stats!.noShow, p?.done ?? 0, p?.noShow ?? 0] };
            })} />}>
            <DataTable id="chart-attendance-table" caption={t("chart.attendanceCaption")} head={t("chart.service")}
              cols={[
                { key: "done", label: t("stats.done") }, { key: "noShow", label: t("stats.noShow") },
                { key: "noShowPercent", label: t("stats.noShowPercent") },
                { key: "prevDone", label: `${t("stats.done")} (${t("stats.previous").toLowerCase()})` },
                { key: "prevNoShow", label: `${t("stats.noShow")} (${t("stats.previous").toLowerCase()})` },
              ]}
              rows={services.map((s) => {
                const p = prevOf(s.resourceId);
                return { key: s.resourceId, label: s.name, cells: [int("done", s.stats!.done), int("noShow", s.stats!.noShow),
                  pct("noShowPercent", s.stats!.noShowPercent), int("prevDone", p?.done ?? 0), int("prevNoShow", p?.noShow ?? 0)] };
              })} />
          </Figure>
          <Figure id="chart-gates" caption={t("chart.gatesTitle")} series={gates}
            chart={events.length > 0 && <HBars series={gates} rows={events.map((s) => ({ key: s.resourceId, label: s.name, values: [s.stats!.entries, s.stats!.exits, s.stats!.peakOccupancy] }))} />}>
            {events.length === 0 ? (
              <p class="text-muted">{t("chart.noEvents")}</p>
            ) : (
              <DataTable id="chart-gates-table" caption={t("chart.gatesCaption")} head={t("chart.service")}
                cols={[
                  { key: "entries", label: t("stats.entries") }, { key: "exits", label: t("chart.exits") }, { key: "peak", label: t("chart.peak") },
                  { key: "overstays", label: t("chart.overstays") },
                  { key: "prevEntries", label: `${t("stats.entries")} (${t("stats.previous").toLowerCase()})` },
                  { key: "prevPeak", label: `${t("chart.peak")} (${t("stats.previous").toLowerCase()})` },
                ]}
                rows={events.map((s) => {
                  const p = prevOf(s.resourceId);
                  return { key: s.resourceId, label: s.name, cells: [int("entries", s.stats!.entries), int("exits", s.stats!.exits),
                    int("peak", s.stats!.peakOccupancy), int("overstays", s.stats!.overstays), int("prevEntries", p?.entries ?? 0),
                    int("prevPeak", p?.peakOccupancy ?? 0)] };
                })} />
            )}
          </Figure>
        </>
      )}
    </section>
  );
}
