// The server's validation report of a version: every error and warning with its row, column, rule and
// message, in two tables; the button to submit shows only for a version without errors.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

function rows(issues) {
  return issues.map((issue) => {
    const row = document.createElement("tr");
    row.dataset.rule = issue.rule;
    row.dataset.row = String(issue.row);
    const ruleKey = `migration.rule.${issue.rule}`;
    const rule = t(ruleKey) === ruleKey ? issue.rule : `${t(ruleKey)} (${issue.rule})`;
    for (const [text, label] of [
      [issue.row === 0 ? "—" : String(issue.row), "migration.row"],
      [issue.column ?? "—", "migration.column"],
      [rule, "migration.rule"],
      [issue.message, "migration.message"],
    ]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      cell.dataset.label = t(label);
      row.append(cell);
    }
    return row;
  });
}

/** Show ``report`` (or hide the report when null); ``submittable`` offers the button to submit. */
export function showReport(report, submittable = false) {
  const box = $("check-report");
  box.hidden = report === null;
  $("submit-checked").hidden = !submittable;
  if (report === null) return;
  for (const [id, issues] of [["report-errors", report.errors], ["report-warnings", report.warnings]]) {
    const table = $(id);
    table.tBodies[0].replaceChildren(...rows(issues));
    table.hidden = issues.length === 0;
  }
}
