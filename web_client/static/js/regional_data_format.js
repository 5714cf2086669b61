// What the data officer's console and the coordinator's regional section show alike: the template (read
// once), authorities' names with Kosovo*'s designation footnote wherever the name appears, published
// figures (a confidential one says so in words), submission states, and periods in a dataflow's format.
import { api } from "./api.js";
import { t } from "./i18n.js";

export const BASE = "/api/migration-data";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PERIOD_SHAPES = { M: /^\d{4}-(0[1-9]|1[0-2])$/, Q: /^\d{4}-Q[1-4]$/, A: /^\d{4}$/ };

let template = null;

/** The template: {dataflows, flows (by id), authorities (by code), labels (code list id -> code -> label)}. */
export async function loadTemplate() {
  if (template === null) {
    const answer = await api("GET", `${BASE}/dataflows`);
    template = {
      dataflows: answer.dataflows,
      flows: new Map(answer.dataflows.map((flow) => [flow.id, flow])),
      authorities: new Map(answer.authorities.map((a) => [a.code, a])),
      labels: new Map(answer.codelists.map((list) => [list.id, new Map(list.codes.map((c) => [c.code, c.label]))])),
    };
  }
  return template;
}

/** `<option>`s for a dataflow <select>: id and title, the regional extensions marked by their title. */
export function flowOptions(select, dataflows) {
  select.replaceChildren(...dataflows.map((flow) => new Option(`${flow.id} · ${flow.title}`, flow.id)));
}

export function validPeriod(frequency, text) {
  return (PERIOD_SHAPES[frequency] ?? PERIOD_SHAPES.A).test(text);
}

/** "YYYY-MM, for example 2025-11" and the like, for a period field's hint. */
export function periodHint(frequency) {
  return t(`migration.period_hint.${frequency}`);
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** The period ``back`` periods before the current one, in the frequency's format. */
export function periodBefore(frequency, back, now = new Date()) {
  if (frequency === "M") {
    const date = new Date(now.getFullYear(), now.getMonth() - back, 1);
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}`;
  }
  if (frequency === "Q") {
    const index = now.getFullYear() * 4 + Math.floor(now.getMonth() / 3) - back;
    return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
  }
  return String(now.getFullYear() - back);
}

/** An authority's name as shown in lists: Kosovo* keeps its asterisk; see ``footnotes``. */
export function authorityName(code) {
  return template?.authorities.get(code)?.name ?? code;
}

/** The designation footnotes of the authorities shown (Kosovo*'s), to print under what shows them. */
export function footnotes(codes) {
  const seen = new Set();
  for (const code of codes) if (template?.authorities.get(code)?.footnote) seen.add(code);
  return [...seen].map((code) => `* ${t(`migration.footnote.${code}`)}`);
}

/** Fill a footnote paragraph for the authorities shown, or hide it when none needs one. */
export function showFootnotes(element, codes) {
  const notes = footnotes(codes);
  element.textContent = notes.join(" ");
  element.hidden = notes.length === 0;
}

/** A published figure as text: its value, or the word for confidential (never a number). */
export function figureText(figure) {
  if (figure === undefined || figure === null) return "—";
  return figure.confidential ? t("migration.confidential") : String(figure.value);
}

export function stateLabel(state) {
  const key = `migration.state.${state}`;
  return t(key) === key ? state : t(key);
}

/** A code with its label from the code list (``SY · Syria``), or the code alone. */
export function codeLabel(codelist, code) {
  const label = template?.labels.get(codelist)?.get(code);
  return label && label !== code ? `${code} · ${label}` : code;
}

/** The Content-Type of an upload from its file name (the browser's guess for .csv varies). */
export function uploadType(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith(".csv")) return "text/csv";
  if (name.endsWith(".xlsx")) return XLSX_TYPE;
  return null;
}

/** The message for a failed call: a refused upload names its row, column and reason. */
export function refusal(error) {
  const { row, column, reason } = error.details ?? {};
  if (reason !== undefined) {
    const where = column ? t("migration.where_row_column", { row, column }) : t("migration.where_row", { row });
    const key = error.code === "personal_data_refused" ? "migration.personal_data" : "migration.refused";
    return t(key, { where, reason });
  }
  const key = `migration.error.${error.code}`;
  return t(key) === key ? t("error.generic", { message: error.message }) : t(key, { message: error.message });
}
