// The regional hub's part of the section: submitted versions waiting for a decision (accept, or return to
// the authority), each decided on the version as read, and the import of another system's SDMX-CSV file.
import { api, postBytes } from "./api.js";
import { t } from "./i18n.js";
import { button, cell, dateTime } from "./coordinator_dom.js";
import { BASE, authorityName, refusal } from "./regional_data_format.js";

const $ = (id) => document.getElementById(id);

export async function mountHub({ onDecided, onGeos }) {
  const result = $("hub-result");
  let waiting = [];

  function say(element, text, outcome) {
    element.textContent = text;
    element.dataset.outcome = outcome;
  }

  function label(s) {
    return `${authorityName(s.authority.code)} ${s.dataflow} ${s.period}`;
  }

  async function decide(submission, verb) {
    try {
      const path = `${BASE}/submissions/${encodeURIComponent(submission.id)}/${verb}`;
      await api("POST", path, { version: submission.version });
      say(result, t(`regional.${verb}ed`, { submission: label(submission), version: submission.version }), "saved");
      await list();
      await onDecided();
    } catch (error) {
      say(result, refusal(error), "refused");
      await list().catch(() => {});
    }
  }

  function row(submission) {
    const element = document.createElement("tr");
    element.dataset.submissionId = submission.id;
    const actions = document.createElement("div");
    actions.className = "actions";
    const accept = button(t("regional.accept"), () => decide(submission, "accept"), "primary");
    accept.setAttribute("aria-label", t("regional.accept_of", { submission: label(submission) }));
    const giveBack = button(t("regional.return"), () => decide(submission, "return"));
    giveBack.setAttribute("aria-label", t("regional.return_of", { submission: label(submission) }));
    actions.append(accept, giveBack);
    const newest = submission.versions[submission.versions.length - 1];
    element.append(
      cell(authorityName(submission.authority.code), "migration.authority", { header: true }),
      cell(submission.dataflow, "migration.dataflow"),
      cell(submission.period, "migration.period"),
      cell(String(submission.version), "migration.version"),
      cell(submission.late ? t("migration.yes_late") : t("migration.no"), "migration.late"),
      cell(newest.submitted_at ? dateTime(newest.submitted_at) : "—", "migration.submitted"),
      cell(actions, "booking.actions"),
    );
    return element;
  }

  async function list() {
    const { submissions } = await api("GET", `${BASE}/submissions`);
    waiting = submissions.filter((s) => s.state === "submitted");
    $("waiting-submissions").tBodies[0].replaceChildren(...waiting.map(row));
    $("waiting-submissions").hidden = waiting.length === 0;
    $("waiting-submissions-empty").hidden = waiting.length > 0;
    onGeos(new Set(waiting.map((s) => s.authority.code)));
  }

  $("sdmx-import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("sdmx-import-result");
    const input = $("sdmx-import-file");
    const file = input.files[0];
    if (!file) {
      input.setAttribute("aria-invalid", "true");
      say(out, t("regional.import_choose"), "refused");
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    try {
      const { imported } = await postBytes(`${BASE}/import.sdmx.csv`, await file.arrayBuffer(), "text/csv");
      say(out, t("regional.imported", { count: imported.length }), "saved");
      await list();
    } catch (error) {
      say(out, t("regional.import_refused", { reason: refusal(error) }), "refused");
    }
  });

  await list().catch((error) => say(result, refusal(error), "refused"));
  return { list };
}
