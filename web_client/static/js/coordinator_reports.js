// Reports: coverage as a heat map (language x hour of the day, a table whose cells are coloured by
// value and keep the number), usage as SVG bars per month. Each links its CSV export: the same route
// with format=csv.
import { api } from "./api.js";
import { language, onLanguageChange, t } from "./i18n.js";
import { addDays, cell, failure, languageName, localDate, withOffset } from "./coordinator_dom.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const LEVELS = 5;

function svg(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

/** 0 for nothing, else 1..LEVELS by the share of the largest value. */
export function level(value, max) {
  if (value <= 0 || max <= 0) return 0;
  return Math.min(LEVELS, 1 + Math.floor(((LEVELS - 1) * value) / max));
}

// -- coverage ------------------------------------------------------------------------------------------

export function coverageGrid(rows, measure) {
  // Each UTC hour of the report falls in one local hour of the day; a longer period adds its days up.
  const grid = new Map();
  for (const row of rows) {
    const hour = new Date(row.hour).getHours();
    if (!grid.has(row.language)) grid.set(row.language, new Array(24).fill(0));
    grid.get(row.language)[hour] += row[measure];
  }
  return grid;
}

function coverageQuery() {
  const from = encodeURIComponent(withOffset($("coverage-from").value));
  const to = encodeURIComponent(withOffset(addDays($("coverage-to").value, 1)));
  return `/api/reports/coverage?from=${from}&to=${to}`;
}

function drawHeatmap(rows) {
  const measure = $("coverage-measure").value;
  const grid = coverageGrid(rows, measure);
  const languages = [...grid.keys()].sort((a, b) => languageName(a).localeCompare(languageName(b)));
  const max = Math.max(0, ...[...grid.values()].flat());
  const table = $("coverage");
  table.dataset.measure = measure;
  const caption = document.createElement("caption");
  caption.textContent = t("coordinator.coverage_caption", {
    measure: $("coverage-measure").selectedOptions[0].textContent,
    from: $("coverage-from").value,
    to: $("coverage-to").value,
  });
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.textContent = t("coordinator.language");
  headRow.append(corner);
  for (let hour = 0; hour < 24; hour += 1) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = String(hour).padStart(2, "0");
    th.setAttribute("aria-label", t("coordinator.hour_label", { hour: `${String(hour).padStart(2, "0")}:00` }));
    headRow.append(th);
  }
  head.append(headRow);
  const body = document.createElement("tbody");
  for (const code of languages) {
    const row = document.createElement("tr");
    row.dataset.language = code;
    row.append(cell(languageName(code), null, { header: true }));
    grid.get(code).forEach((value, hour) => {
      const td = document.createElement("td");
      td.textContent = String(value);
      td.dataset.hour = String(hour);
      td.className = `heat-${level(value, max)}`;
      row.append(td);
    });
    body.append(row);
  }
  table.replaceChildren(caption, head, body);
  $("coverage-wrap").hidden = languages.length === 0;
  $("coverage-legend").hidden = languages.length === 0;
  $("coverage-result").textContent = languages.length === 0 ? t("coordinator.report_empty") : "";
  drawLegend(max, measure);
}

function drawLegend(max, measure) {
  const legend = $("coverage-legend");
  legend.dataset.measure = measure;
  const swatches = [];
  for (let step = 0; step <= LEVELS; step += 1) {
    const swatch = document.createElement("span");
    swatch.className = `swatch heat-${step}`;
    swatches.push(swatch);
  }
  const low = document.createElement("span");
  low.textContent = "0";
  const high = document.createElement("span");
  high.textContent = String(max);
  legend.replaceChildren(low, ...swatches, high);
}

async function showCoverage() {
  $("coverage-csv").href = `${coverageQuery()}&format=csv`;
  try {
    const { rows } = await api("GET", coverageQuery());
    drawHeatmap(rows);
    return rows;
  } catch (error) {
    $("coverage-result").textContent = failure(error);
    return null;
  }
}

// -- usage -----------------------------------------------------------------------------------------------

function months(first, last) {
  const found = [];
  let [year, month] = first.split("-").map(Number);
  const [endYear, endMonth] = last.split("-").map(Number);
  while ((year < endYear || (year === endYear && month <= endMonth)) && found.length < 24) {
    found.push(`${year}-${String(month).padStart(2, "0")}`);
    month += 1;
    if (month === 13) [year, month] = [year + 1, 1];
  }
  return found;
}

function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year, number - 1, 15)).toLocaleDateString(language(), {
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
}

function usageQuery() {
  return `/api/reports/usage?from=${$("usage-from").value}&to=${$("usage-to").value}`;
}

function drawUsageChart(rows) {
  const shown = months($("usage-from").value, $("usage-to").value);
  const totals = new Map(shown.map((month) => [month, { onDemand: 0, booked: 0 }]));
  for (const row of rows) {
    const total = totals.get(row.month);
    if (!total) continue;
    total.onDemand += row.on_demand_minutes;
    total.booked += row.booked_minutes;
  }
  const max = Math.max(1, ...[...totals.values()].map((v) => v.onDemand + v.booked));
  const barHeight = 22;
  const gap = 8;
  const labelWidth = 90;
  const plotWidth = 240;
  const width = labelWidth + plotWidth + 70;
  const height = shown.length * (barHeight + gap) + 26;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width: "100%",
    role: "img",
    "aria-labelledby": "usage-caption",
    class: "bars",
  });
  shown.forEach((month, index) => {
    const { onDemand, booked } = totals.get(month);
    const y = index * (barHeight + gap);
    const group = svg("g", { "data-month": month, "data-total": onDemand + booked });
    group.append(
      svg("title", {}, t("coordinator.usage_bar", { month: monthName(month), total: onDemand + booked, on_demand: onDemand, booked })),
      svg("text", { x: labelWidth - 6, y: y + barHeight * 0.7, "text-anchor": "end", class: "label" }, monthName(month)),
    );
    const demandWidth = (plotWidth * onDemand) / max;
    const bookedWidth = (plotWidth * booked) / max;
    group.append(
      svg("rect", { x: labelWidth, y, width: demandWidth, height: barHeight, class: "on-demand" }),
      svg("rect", { x: labelWidth + demandWidth, y, width: bookedWidth, height: barHeight, class: "booked" }),
      svg("text", { x: labelWidth + demandWidth + bookedWidth + 6, y: y + barHeight * 0.7, class: "value" }, String(onDemand + booked)),
    );
    chart.append(group);
  });
  const keyY = shown.length * (barHeight + gap) + 8;
  chart.append(
    svg("rect", { x: labelWidth, y: keyY, width: 12, height: 12, class: "on-demand" }),
    svg("text", { x: labelWidth + 16, y: keyY + 10, class: "label" }, t("coordinator.on_demand")),
    svg("rect", { x: labelWidth + 120, y: keyY, width: 12, height: 12, class: "booked" }),
    svg("text", { x: labelWidth + 136, y: keyY + 10, class: "label" }, t("coordinator.booked")),
  );
  $("usage-chart").replaceChildren(chart);
  $("usage-caption").textContent = t("coordinator.usage_caption", {
    from: monthName(shown[0]),
    to: monthName(shown[shown.length - 1]),
  });
  $("usage-table").tBodies[0].replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.append(
        cell(monthName(row.month), "coordinator.month"),
        cell(row.organisation, "coordinator.organisation"),
        cell(languageName(row.language), "coordinator.language"),
        cell(String(row.on_demand_minutes), "coordinator.on_demand_minutes"),
        cell(String(row.booked_minutes), "coordinator.booked_minutes"),
        cell(String(row.total_minutes), "coordinator.total_minutes"),
      );
      return tr;
    }),
  );
  $("usage-result").textContent = rows.length === 0 ? t("coordinator.report_empty") : "";
}

async function showUsage() {
  $("usage-csv").href = `${usageQuery()}&format=csv`;
  try {
    const { rows } = await api("GET", usageQuery());
    drawUsageChart(rows);
    return rows;
  } catch (error) {
    $("usage-result").textContent = failure(error);
    return null;
  }
}

// -- wiring ----------------------------------------------------------------------------------------------

export async function mountReports() {
  const today = localDate(new Date());
  $("coverage-from").value = today;
  $("coverage-to").value = today;
  const month = today.slice(0, 7);
  const start = new Date(`${month}-15T12:00`);
  start.setMonth(start.getMonth() - 5);
  $("usage-from").value = localDate(start).slice(0, 7);
  $("usage-to").value = month;
  let coverage = null;
  let usage = null;
  $("coverage-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    coverage = await showCoverage();
  });
  $("coverage-measure").addEventListener("change", () => coverage && drawHeatmap(coverage));
  for (const id of ["coverage-from", "coverage-to"]) {
    $(id).addEventListener("change", () => ($("coverage-csv").href = `${coverageQuery()}&format=csv`));
  }
  $("usage-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    usage = await showUsage();
  });
  for (const id of ["usage-from", "usage-to"]) {
    $(id).addEventListener("change", () => ($("usage-csv").href = `${usageQuery()}&format=csv`));
  }
  onLanguageChange(() => {
    if (coverage) drawHeatmap(coverage);
    if (usage) drawUsageChart(usage);
  });
  [coverage, usage] = await Promise.all([showCoverage(), showUsage()]);
}
