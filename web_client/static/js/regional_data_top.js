// Top citizenships per authority for one period: ranked on the published figures (a confidential one last),
// as a table and as the server's grouped bar chart of the same figures.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { cell } from "./coordinator_dom.js";
import { BASE, authorityName, codeLabel, figureText, periodHint, refusal, validPeriod } from "./regional_data_format.js";

const $ = (id) => document.getElementById(id);
const REGION = "REGION";

function ranked(rows, n, order) {
  const groups = new Map();
  for (const row of rows) {
    if (row.geo === REGION || row.CITIZEN === "TOTAL") continue;
    if (!groups.has(row.geo)) groups.set(row.geo, []);
    groups.get(row.geo).push(row);
  }
  const rank = (row) => (row.confidential ? -1 : row.value);
  return [...groups.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([geo, list]) => [geo, list.sort((a, b) => rank(b) - rank(a) || a.CITIZEN.localeCompare(b.CITIZEN)).slice(0, n)]);
}

export function mountTopCitizenships({ template, flow, onGeos }) {
  const result = $("top-result");
  const period = $("top-period");
  const count = $("top-n");
  let shown = null; // {flow, period, n, rows}

  function draw() {
    if (shown === null) return;
    const order = [...template.authorities.keys()];
    const codelist = shown.flow.dimensions.find((d) => d.id === "CITIZEN").codelist;
    const body = [];
    for (const [geo, list] of ranked(shown.rows, shown.n, order)) {
      list.forEach((row, i) => {
        const tr = document.createElement("tr");
        tr.dataset.geo = geo;
        tr.dataset.citizen = row.CITIZEN;
        tr.append(
          cell(authorityName(geo), "migration.authority", { header: true }),
          cell(String(i + 1), "regional.rank"),
          cell(codeLabel(codelist, row.CITIZEN), "regional.citizenship"),
          cell(figureText(row), "regional.figure"),
        );
        body.push(tr);
      });
    }
    $("top").tBodies[0].replaceChildren(...body);
    $("top").hidden = body.length === 0;
    const figure = $("top-figure");
    figure.hidden = body.length === 0;
    const query = new URLSearchParams({ dataflow: shown.flow.id, period: shown.period, n: String(shown.n) });
    const image = $("top-chart");
    image.alt = t("regional.top_alt", { title: shown.flow.title, period: shown.period, n: shown.n });
    const src = `${BASE}/charts/top-citizenships.png?${query}`;
    if (body.length > 0 && image.getAttribute("src") !== src) image.src = src;
    result.textContent = body.length === 0 ? t("regional.none") : "";
    onGeos(new Set(ranked(shown.rows, shown.n, order).map(([geo]) => geo)));
  }

  async function show() {
    const chosen = flow();
    const text = period.value.trim();
    const n = Number(count.value);
    if (!chosen.dimensions.some((d) => d.id === "CITIZEN")) {
      result.textContent = t("regional.no_citizenship", { dataflow: chosen.id });
      return;
    }
    if (!validPeriod(chosen.frequency, text)) {
      period.setAttribute("aria-invalid", "true");
      result.textContent = t("regional.period_invalid", { hint: periodHint(chosen.frequency) });
      period.focus();
      return;
    }
    if (!Number.isInteger(n) || n < 1 || n > 10) {
      count.setAttribute("aria-invalid", "true");
      result.textContent = t("regional.top_n_invalid");
      count.focus();
      return;
    }
    try {
      const query = new URLSearchParams({ dataflow: chosen.id, from: text, to: text, by: "CITIZEN" });
      const answer = await api("GET", `${BASE}/regional?${query}`);
      shown = { flow: chosen, period: text, n, rows: answer.rows };
      draw();
    } catch (error) {
      result.textContent = refusal(error);
    }
  }

  for (const input of [period, count]) input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  $("top-form").addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
  return { draw };
}
