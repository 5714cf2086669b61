// Figures typed in a table, in the template's long format: one row per figure, a code for each of the
// dataflow's breakdowns (a <select> of its code list, the total first) and the number of persons. The row
// numbers are the ones the server's validation report names. Only whole non-negative numbers pass here;
// codes come from the lists, and the totals are the server's to check.
import { t } from "./i18n.js";
import { codeLabel } from "./regional_data_format.js";

const MAX_ROWS = 500;
const NUMBER = /^\d{1,12}$/;

export class Entry {
  constructor(table) {
    this.table = table;
    this.flow = null;
  }

  /** Start over for another dataflow: its columns, and one row with every breakdown at its total. */
  setFlow(flow) {
    this.flow = flow;
    const head = this.table.tHead.rows[0];
    head.replaceChildren(
      th(t("migration.row")),
      ...flow.dimensions.map((d) => th(d.id)),
      th(t("data_officer.persons")),
      th(t("booking.actions")),
    );
    this.table.tBodies[0].replaceChildren();
    this.addRow();
  }

  addRow({ focus = false } = {}) {
    const body = this.table.tBodies[0];
    if (body.rows.length >= MAX_ROWS) return;
    const row = document.createElement("tr");
    const number = document.createElement("th");
    number.scope = "row";
    row.append(number);
    for (const dim of this.flow.dimensions) {
      const select = document.createElement("select");
      select.dataset.dimension = dim.id;
      select.append(...dim.codes.map((code) => new Option(codeLabel(dim.codelist, code), code)));
      row.append(td(select, dim.id));
    }
    const value = document.createElement("input");
    value.type = "text";
    value.inputMode = "numeric";
    value.maxLength = 12;
    value.size = 8;
    value.className = "entry-value";
    value.addEventListener("input", () => value.removeAttribute("aria-invalid"));
    row.append(td(value, t("data_officer.persons")));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "entry-remove";
    remove.addEventListener("click", () => this.removeRow(row));
    row.append(td(remove, t("booking.actions")));
    body.append(row);
    this.relabel();
    if (focus) row.querySelector("select, input").focus();
  }

  removeRow(row) {
    const body = this.table.tBodies[0];
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    if (body.rows.length === 0) this.addRow();
    this.relabel();
    (next ?? body.rows[0]).querySelector("input.entry-value").focus();
  }

  /** Row numbers and every control's accessible name ("Row 2: CITIZEN"), after a change or a language. */
  relabel() {
    const head = this.table.tHead.rows[0].cells;
    head[0].textContent = t("migration.row");
    head[this.flow.dimensions.length + 1].textContent = t("data_officer.persons");
    head[this.flow.dimensions.length + 2].textContent = t("booking.actions");
    [...this.table.tBodies[0].rows].forEach((row, i) => {
      const n = i + 1;
      row.cells[0].textContent = String(n);
      for (const select of row.querySelectorAll("select")) {
        select.setAttribute("aria-label", t("data_officer.cell_label", { row: n, column: select.dataset.dimension }));
      }
      row.querySelector("input.entry-value").setAttribute("aria-label", t("data_officer.value_label", { row: n }));
      const remove = row.querySelector("button.entry-remove");
      remove.textContent = t("data_officer.remove_row");
      remove.setAttribute("aria-label", t("data_officer.remove_row_n", { row: n }));
    });
  }

  /** The cells as the JSON API takes them, or null (the first bad number marked and focused). */
  cells() {
    const out = [];
    let firstBad = null;
    for (const row of this.table.tBodies[0].rows) {
      const input = row.querySelector("input.entry-value");
      const text = input.value.trim();
      if (!NUMBER.test(text)) {
        input.setAttribute("aria-invalid", "true");
        firstBad ??= input;
        continue;
      }
      const cell = {};
      for (const select of row.querySelectorAll("select")) cell[select.dataset.dimension] = select.value;
      cell.OBS_VALUE = Number(text);
      out.push(cell);
    }
    if (firstBad) {
      firstBad.focus();
      return null;
    }
    return out;
  }
}

function th(text) {
  const element = document.createElement("th");
  element.scope = "col";
  element.textContent = text;
  return element;
}

function td(content, label) {
  const element = document.createElement("td");
  element.append(content);
  element.dataset.label = label;
  return element;
}
