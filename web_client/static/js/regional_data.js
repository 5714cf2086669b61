// The console's Regional data section: for a dataflow and a range of periods, the published totals of every
// authority side by side (a table, and the same figures as a trend chart drawn by the server), the exports,
// the top citizenships of one period, and the service's own interpreting activity. The hub (the operator's
// coordinators) also decides on submitted versions and imports other systems' SDMX-CSV files.
import { onLanguageChange, t } from "./i18n.js";
import { api } from "./api.js";
import { cell, languageName } from "./coordinator_dom.js";
import {
  BASE,
  authorityName,
  figureText,
  flowOptions,
  loadTemplate,
  periodBefore,
  periodHint,
  refusal,
  showFootnotes,
  validPeriod,
} from "./regional_data_format.js";
import { mountTopCitizenships } from "./regional_data_top.js";
import { mountHub } from "./regional_data_hub.js";

const $ = (id) => document.getElementById(id);
const REGION = "REGION";
const RANGE_BACK = { M: 12, Q: 4, A: 3 };

/** Authorities in the template's order, the region's total last. */
function byAuthority(codes, template) {
  const order = [...template.authorities.keys()];
  return [...codes].sort((a, b) => (a === REGION) - (b === REGION) || order.indexOf(a) - order.indexOf(b));
}

function geoName(code) {
  return code === REGION ? t("regional.region") : authorityName(code);
}

function comparisonTable(rows, template) {
  const periods = [...new Set(rows.map((r) => r.time_period))].sort();
  const figures = new Map(rows.map((r) => [`${r.geo}|${r.time_period}`, r]));
  const head = $("comparison").tHead.rows[0];
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.textContent = t("migration.authority");
  head.replaceChildren(
    corner,
    ...periods.map((p) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = p;
      return th;
    }),
  );
  const body = byAuthority(new Set(rows.map((r) => r.geo)), template).map((geo) => {
    const row = document.createElement("tr");
    row.dataset.geo = geo;
    if (geo === REGION) row.className = "region";
    row.append(cell(geoName(geo), null, { header: true }));
    for (const period of periods) {
      const td = cell(figureText(figures.get(`${geo}|${period}`)));
      td.dataset.label = period;
      td.dataset.period = period;
      row.append(td);
    }
    return row;
  });
  $("comparison").tBodies[0].replaceChildren(...body);
  $("comparison").hidden = body.length === 0;
  $("comparison-empty").hidden = body.length > 0;
  return body.length > 0;
}

function activityTable(activity) {
  const rows = activity.rows.map((r) => {
    const row = document.createElement("tr");
    row.dataset.geo = r.geo;
    row.append(
      cell(authorityName(r.geo), "migration.authority", { header: true }),
      cell(r.time_period, "regional.month"),
      cell(languageName(r.language), "coordinator.language"),
      cell(figureText(r.sessions), "regional.sessions"),
      cell(figureText(r.minutes), "regional.minutes"),
    );
    return row;
  });
  $("activity").tBodies[0].replaceChildren(...rows);
  $("activity").hidden = rows.length === 0;
  $("activity-empty").hidden = rows.length > 0;
}

export async function mountRegionalData(session) {
  const result = $("regional-result");
  let template;
  try {
    template = await loadTemplate();
  } catch (error) {
    result.textContent = refusal(error);
    return;
  }
  const flowSelect = $("regional-flow");
  const from = $("regional-from");
  const to = $("regional-to");
  let shown = null; // {flow, first, last, answer}
  const geos = { view: new Set(), top: new Set(), hub: new Set() }; // the authorities each part shows

  const flow = () => template.flows.get(flowSelect.value);

  function footnotes(part = null, codes = null) {
    if (part) geos[part] = codes;
    showFootnotes($("regional-footnote"), [...geos.view, ...geos.top, ...geos.hub]);
  }

  function defaults() {
    const frequency = flow().frequency;
    from.value = periodBefore(frequency, RANGE_BACK[frequency] ?? 3);
    to.value = periodBefore(frequency, 1);
    $("top-period").value = to.value;
    $("regional-period-hint").textContent = periodHint(frequency);
  }

  function draw() {
    if (shown === null) return;
    const { answer, first, last } = shown;
    const seen = [...answer.rows, ...answer.activity.rows].map((row) => row.geo).filter((geo) => geo !== REGION);
    const any = comparisonTable(answer.rows, template);
    const query = new URLSearchParams({ dataflow: shown.flow.id, from: first, to: last });
    const figure = $("trend-figure");
    figure.hidden = !any;
    const image = $("trend-chart");
    image.alt = t("regional.trend_alt", { title: shown.flow.title, from: first, to: last });
    const src = `${BASE}/charts/trend.png?${query}`;
    if (any && image.getAttribute("src") !== src) image.src = src;
    $("trend-svg").href = `${BASE}/charts/trend.svg?${query}`;
    $("export-sdmx").href = `${BASE}/export.sdmx.csv?${query}`;
    $("export-xlsx").href = `${BASE}/export.xlsx?${query}`;
    activityTable(answer.activity);
    footnotes("view", new Set(seen));
  }

  async function show() {
    const first = from.value.trim();
    const last = to.value.trim();
    const frequency = flow().frequency;
    const bad = [from, to].filter((input) => !validPeriod(frequency, input.value.trim()));
    for (const input of [from, to]) {
      if (bad.includes(input)) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    if (bad.length > 0) {
      result.textContent = t("regional.period_invalid", { hint: periodHint(frequency) });
      bad[0].focus();
      return;
    }
    result.textContent = "";
    try {
      const query = new URLSearchParams({ dataflow: flow().id, from: first, to: last });
      const answer = await api("GET", `${BASE}/regional?${query}`);
      shown = { flow: flow(), first, last, answer };
      draw();
      const authorities = new Set(answer.rows.filter((r) => r.geo !== REGION).map((r) => r.geo));
      result.textContent = t("regional.shown", { authorities: authorities.size, from: first, to: last });
    } catch (error) {
      result.textContent = refusal(error);
    }
  }

  flowOptions(flowSelect, template.dataflows);
  flowSelect.addEventListener("change", () => {
    defaults();
    show();
  });
  $("regional-form").addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  for (const input of [from, to]) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  const top = mountTopCitizenships({ template, flow, onGeos: (codes) => footnotes("top", codes) });
  onLanguageChange(() => {
    $("regional-period-hint").textContent = periodHint(flow().frequency);
    draw();
    top.draw();
  });
  defaults();
  const hub = Boolean(session.user.sees_all_organisations);
  $("regional-hub").hidden = !hub;
  await Promise.all([show(), hub ? mountHub({ onDecided: show, onGeos: (codes) => footnotes("hub", codes) }) : null]);
}
