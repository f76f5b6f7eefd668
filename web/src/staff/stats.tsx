// Statistics of a period against the one before it, as bars drawn in SVG
// (hidden from screen readers: the same numbers are in the table below),
// and the CSV exports as short-lived download links.
import { useEffect, useState } from "preact/hooks";
import { problem } from "../shared/api";
import { currentLang } from "../shared/i18n";
import { addDays, isoDate } from "../shared/format";
import type { GetStatsResponse } from "../gen/varco/v1/admin_pb";
import { ExportKind } from "../gen/varco/v1/admin_pb";
import type { Stats } from "../gen/varco/v1/stats_pb";
import { admin } from "./api";
import { num } from "./charts";
import { StatsCharts } from "./stats_charts";
import { t, type Key } from "./messages";
import { useResources } from "./resources";
import { Alert, Loading, Title } from "../shared/ui";

/** counts shown as bars, in this order. */
const rows: [keyof Stats, Key][] = [
  ["bookings", "stats.bookings"],
  ["done", "stats.done"],
  ["noShow", "stats.noShow"],
  ["cancelledByUser", "stats.cancelledByUser"],
  ["cancelledByOperator", "stats.cancelledByOperator"],
  ["rescheduled", "stats.rescheduled"],
  ["entries", "stats.entries"],
];

// Waiting lists of full events (issue #17): table rows only, not bars.
const waitlistRows: [keyof Stats, Key][] = [
  ["waitlistJoined", "stats.waitlistJoined"],
  ["waitlistOffered", "stats.waitlistOffered"],
  ["waitlistConverted", "stats.waitlistConverted"],
  ["waitlistLapsed", "stats.waitlistLapsed"],
];


/** Bars draws one pair of horizontal bars (period, previous) per row. */
export function Bars({ data }: { data: GetStatsResponse }) {
  const cur = data.current!;
  const prev = data.previous!;
  const max = Math.max(1, ...rows.flatMap(([k]) => [Number(cur[k]), Number(prev[k])]));
  const labelW = 200, barW = 360, rowH = 44, w = labelW + barW + 60;
  return (
    <svg class="stat-bars mb-3" viewBox={`0 0 ${w} ${rows.length * rowH + 10}`} width="100%" aria-hidden="true" focusable="false">
      {rows.map(([k, label], i) => {
        const y = i * rowH + 5;
        const a = Number(cur[k]), b = Number(prev[k]);
        return (
          <g key={k}>
            <text x={0} y={y + 18}>{t(label)}</text>
            <rect x={labelW} y={y + 4} width={(a / max) * barW} height={16} fill="#0066cc" />
            <text x={labelW + (a / max) * barW + 6} y={y + 17}>{num(a)}</text>
            <rect x={labelW} y={y + 22} width={(b / max) * barW} height={12} fill="#8fa8c2" />
            <text x={labelW + (b / max) * barW + 6} y={y + 33}>{num(b)}</text>
          </g>
        );
      })}
    </svg>
  );
}

/** StatsPage opens on the period and service of the route
 * (#/statistiche?dal=YYYY-MM-DD&al=YYYY-MM-DD&servizio=<id>), by default
 * the last 30 days of every service. */
export function StatsPage({ org, query }: { org: string; query?: URLSearchParams }) {
  const resources = useResources(org);
  const today = isoDate(new Date());
  const [from, setFrom] = useState(query?.get("dal") || addDays(today, -29));
  const [to, setTo] = useState(query?.get("al") || today);
  const [service, setService] = useState(query?.get("servizio") ?? "");
  const [data, setData] = useState<GetStatsResponse | undefined>();
  const [err, setErr] = useState<{ msg: string; fields: Record<string, string> }>({ msg: "", fields: {} });
  const [exportErr, setExportErr] = useState("");

  const load = async () => {
    setErr({ msg: "", fields: {} });
    try {
      setData(await admin.getStats({ organizationId: org, resourceId: service, fromDate: from, toDate: to }));
    } catch (e) {
      const p = problem(e);
      setData(undefined);
      setErr({ msg: Object.keys(p.fields).length ? "" : p.message, fields: p.fields });
    }
  };
  useEffect(() => {
    void load();
  }, [org]);

  const download = async (kind: ExportKind) => {
    setExportErr("");
    try {
      const r = await admin.createExportLink({ kind, organizationId: org, resourceId: service, fromDate: from, toDate: to, language: currentLang() });
      location.assign(r.url); // a plain GET the browser saves as a file
    } catch (e) {
      setExportErr(problem(e).message);
    }
  };

  const dateField = (id: string, label: string, value: string, set: (v: string) => void, field: string) => (
    <div class="col-md-3">
      <label for={id} class="form-label">
        {label}
      </label>
      <input id={id} type="date" class={"form-control" + (err.fields[field] ? " is-invalid" : "")} value={value}
        aria-invalid={err.fields[field] ? "true" : undefined} aria-describedby={err.fields[field] ? `${id}-error` : undefined}
        onChange={(e) => set((e.currentTarget as HTMLInputElement).value)} />
      {err.fields[field] && (
        <div id={`${id}-error`} class="invalid-feedback d-block" role="alert">
          {err.fields[field]}
        </div>
      )}
    </div>
  );

  const cur = data?.current, prev = data?.previous;
  return (
    <>
      <Title>{t("stats.title")}</Title>
      <form class="row g-3 align-items-end mb-4" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <div class="col-md-3">
          <label for="stats-service" class="form-label">
            {t("agenda.service")}
          </label>
          <select id="stats-service" class="form-select" value={service} onChange={(e) => setService((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t("agenda.allServices")}</option>
            {resources.map((r) => (
              <option value={r.id} key={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
        {dateField("stats-from", t("stats.from"), from, setFrom, "from_date")}
        {dateField("stats-to", t("stats.to"), to, setTo, "to_date")}
        <div class="col-md-3">
          <button type="submit" class="btn btn-primary" id="stats-show">
            {t("stats.show")}
          </button>
        </div>
      </form>
      {err.msg && <Alert kind="danger">{err.msg}</Alert>}
      {!data && !err.msg && !Object.keys(err.fields).length && <Loading label={t("loading")} />}
      {data && cur && prev && (
        <>
          <p class="small">
            <span class="legend-swatch" aria-hidden="true">■</span> {t("stats.periodOf", cur.fromDate, cur.toDate)} ·{" "}
            <span class="legend-swatch prev" aria-hidden="true">■</span> {t("stats.previousOf", prev.fromDate, prev.toDate)}
          </p>
          <Bars data={data} />
          <div class="table-responsive">
            <table class="table" id="stats-table">
              <caption>{t("stats.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("stats.measure")}</th>
                  <th scope="col">{t("stats.period")}</th>
                  <th scope="col">{t("stats.previous")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(([k, label]) => (
                  <tr key={k}>
                    <th scope="row">{t(label)}</th>
                    <td>{num(Number(cur[k]))}</td>
                    <td>{num(Number(prev[k]))}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">{t("stats.noShowPercent")}</th>
                  <td>{num(cur.noShowPercent, 1)} %</td>
                  <td>{num(prev.noShowPercent, 1)} %</td>
                </tr>
                <tr>
                  <th scope="row">{t("stats.saturation")}</th>
                  <td>{num(cur.saturationPercent, 1)} %</td>
                  <td>{num(prev.saturationPercent, 1)} %</td>
                </tr>
                <tr>
                  <th scope="row">{t("stats.firstFree")}</th>
                  <td>{num(cur.avgDaysToFirstAvailability, 1)}</td>
                  <td>{num(prev.avgDaysToFirstAvailability, 1)}</td>
                </tr>
                {waitlistRows.map(([k, label]) => (
                  <tr key={k} data-measure={k}>
                    <th scope="row">{t(label)}</th>
                    <td>{num(Number(cur[k]))}</td>
                    <td>{num(Number(prev[k]))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <StatsCharts data={data} />
        </>
      )}
      <h2 class="h4 mt-4">{t("export.title")}</h2>
      <p>{t("export.lead")}</p>
      {exportErr && <Alert kind="danger">{exportErr}</Alert>}
      <div class="d-flex flex-wrap gap-2">
        <button type="button" class="btn btn-outline-primary" id="export-bookings" onClick={() => void download(ExportKind.BOOKINGS)}>
          {t("export.bookings")}
        </button>
        <button type="button" class="btn btn-outline-primary" id="export-scans" onClick={() => void download(ExportKind.SCANS)}>
          {t("export.scans")}
        </button>
      </div>
    </>
  );
}
