// The data officer's own submissions (their authority's, which they read with the full report), newest
// first, with state, version and late flag; each one's version history; submitting a checked version; and
// choosing a submission to correct (its figures are then sent again from the form above).
import { api } from "./api.js";
import { t } from "./i18n.js";
import { button, cell, dateTime } from "./coordinator_dom.js";
import { BASE, authorityName, refusal, showFootnotes, stateLabel } from "./regional_data_format.js";

const $ = (id) => document.getElementById(id);

/** The reporting authority reads its own versions' full reports (errors listed); others get counts only. */
function own(submission) {
  return Array.isArray(submission.report?.errors);
}

function yesNo(flag) {
  return flag ? t("migration.yes_late") : t("migration.no");
}

export class Submissions {
  constructor(onCorrect) {
    this.onCorrect = onCorrect;
    this.list = [];
    this.open = null; // the submission whose history is shown
  }

  find(dataflow, period) {
    return this.list.find((s) => s.dataflow === dataflow && s.period === period) ?? null;
  }

  async refresh() {
    const { submissions } = await api("GET", `${BASE}/submissions`);
    this.list = submissions.filter(own).sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
    if (this.open) this.open = this.list.find((s) => s.id === this.open.id) ?? null;
    this.draw();
  }

  async submit(submission) {
    const path = `${BASE}/submissions/${encodeURIComponent(submission.id)}/submit`;
    const done = await api("POST", path, { version: submission.version });
    await this.refresh();
    return done;
  }

  label(submission) {
    return `${submission.dataflow} ${submission.period}`;
  }

  row(submission) {
    const element = document.createElement("tr");
    element.dataset.submissionId = submission.id;
    element.dataset.state = submission.state;
    const actions = document.createElement("div");
    actions.className = "actions";
    const name = this.label(submission);
    const history = button(t("data_officer.history"), () => this.showHistory(submission));
    history.setAttribute("aria-label", t("data_officer.history_of", { submission: name }));
    actions.append(history);
    if (submission.state === "validated") {
      const submit = button(t("data_officer.submit_short"), () => this.submitFromList(submission), "primary");
      submit.setAttribute("aria-label", t("data_officer.submit_of", { submission: name }));
      actions.append(submit);
    }
    const correct = button(t("data_officer.correct"), () => this.onCorrect(submission));
    correct.setAttribute("aria-label", t("data_officer.correct_of", { submission: name }));
    actions.append(correct);
    const state = document.createElement("span");
    state.className = `submission-state submission-${submission.state}`;
    state.textContent = stateLabel(submission.state);
    element.append(
      cell(submission.dataflow, "migration.dataflow", { header: true }),
      cell(submission.period, "migration.period"),
      cell(authorityName(submission.authority.code), "migration.authority"),
      cell(String(submission.version), "migration.version"),
      cell(state, "migration.state"),
      cell(yesNo(submission.late), "migration.late"),
      cell(actions, "booking.actions"),
    );
    return element;
  }

  async submitFromList(submission) {
    const result = $("submissions-result");
    try {
      const done = await this.submit(submission);
      const key = done.late ? "data_officer.submitted_late" : "data_officer.submitted";
      result.textContent = t(key, { version: done.version });
    } catch (error) {
      result.textContent = refusal(error);
    }
  }

  showHistory(submission) {
    this.open = submission;
    this.drawHistory();
    $("history").focus();
  }

  draw() {
    $("submissions").tBodies[0].replaceChildren(...this.list.map((s) => this.row(s)));
    $("submissions").hidden = this.list.length === 0;
    $("submissions-empty").hidden = this.list.length > 0;
    showFootnotes($("submissions-footnote"), this.list.map((s) => s.authority.code));
    this.drawHistory();
  }

  drawHistory() {
    const panel = $("history");
    panel.hidden = this.open === null;
    if (this.open === null) return;
    panel.dataset.submissionId = this.open.id;
    $("history-title").textContent = t("data_officer.history_title", { submission: this.label(this.open) });
    const when = (iso) => (iso ? dateTime(iso) : "—");
    const rows = [...this.open.versions].reverse().map((v) => {
      const row = document.createElement("tr");
      row.dataset.version = String(v.version);
      row.dataset.state = v.state;
      const errors = Object.values(v.report.error_counts ?? {}).reduce((a, b) => a + b, 0);
      row.append(
        cell(String(v.version), "migration.version", { header: true }),
        cell(stateLabel(v.state), "migration.state"),
        cell(t(`migration.source.${v.source}`), "migration.source"),
        cell(yesNo(v.late), "migration.late"),
        cell(when(v.created_at), "migration.created"),
        cell(when(v.submitted_at), "migration.submitted"),
        cell(when(v.decided_at), "migration.decided"),
        cell(String(v.cell_count), "migration.figures"),
        cell(String(errors), "migration.error_count"),
      );
      return row;
    });
    $("history-table").tBodies[0].replaceChildren(...rows);
  }
}
