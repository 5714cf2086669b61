// The data officer's console: report an authority's figures for one dataflow and period (a CSV or XLSX
// upload, or typed in a table), read the server's validation report, submit to the regional hub, and follow
// one's submissions and their versions. New figures for a period already reported revise it (a new version
// once it was submitted); the server decides everything, the page only checks what is cheap to check.
import { ApiError, api, logout, postBytes, requireRole } from "./api.js";
import { initI18n, onLanguageChange, t } from "./i18n.js";
import { BASE, flowOptions, loadTemplate, periodBefore, periodHint, refusal, uploadType, validPeriod } from "./regional_data_format.js";
import { Entry } from "./data_officer_entry.js";
import { showReport } from "./data_officer_report.js";
import { Submissions } from "./data_officer_submissions.js";

const $ = (id) => document.getElementById(id);

const session = await requireRole("data_officer");
await initI18n();
$("who").textContent = `${session.user.display_name} · ${session.user.organisation.name}`;
$("logout").addEventListener("click", async () => {
  await logout();
  location.replace("/");
});

const template = await loadTemplate();
const flowSelect = $("flow");
const periodInput = $("period");
const result = $("check-result");
const entry = new Entry($("entry-table"));
const submissions = new Submissions(chooseForCorrection);
let checked = null; // the submission the report shows, while it can be submitted

function markInvalid(element, bad) {
  if (bad) element.setAttribute("aria-invalid", "true");
  else element.removeAttribute("aria-invalid");
}

function flow() {
  return template.flows.get(flowSelect.value);
}

function say(text, outcome = "") {
  result.textContent = text;
  result.dataset.outcome = outcome;
}

function describeFlow() {
  const chosen = flow();
  const columns = [...chosen.dimensions.map((d) => d.id), "OBS_VALUE"].join(",");
  $("period-hint").textContent = periodHint(chosen.frequency);
  $("flow-details").textContent = t("data_officer.flow_details", {
    reference: chosen.legal_reference,
    deadline: chosen.deadline_months_after_period,
    dataset: chosen.eurostat_dataset ?? t("data_officer.regional_extension"),
  });
  $("upload-hint").textContent = t("data_officer.upload_hint", { columns });
  describeRevision();
}

/** Whether what is sent now starts a submission or revises the one already made for that period. */
function describeRevision() {
  const existing = submissions.find(flowSelect.value, periodInput.value.trim());
  $("revision-note").textContent = existing
    ? t("data_officer.revises", { version: existing.version, state: t(`migration.state.${existing.state}`) })
    : "";
}

function chooseForCorrection(submission) {
  flowSelect.value = submission.dataflow;
  periodInput.value = submission.period;
  entry.setFlow(flow(), template);
  describeFlow();
  $("report-panel").focus();
  $("upload-file").focus();
}

function checkPeriod() {
  const text = periodInput.value.trim();
  const ok = validPeriod(flow().frequency, text);
  markInvalid(periodInput, !ok);
  if (!ok) {
    say(t("data_officer.period_invalid", { hint: periodHint(flow().frequency) }), "refused");
    periodInput.focus();
  }
  return ok ? text : null;
}

/** Send new figures: a new submission, or a revision of the one already made for the period. */
async function send(period, { bytes, contentType, cells }) {
  const existing = submissions.find(flowSelect.value, period);
  const query = new URLSearchParams(
    existing ? { version: existing.version } : { dataflow: flowSelect.value, period },
  );
  if (existing) {
    const path = `${BASE}/submissions/${encodeURIComponent(existing.id)}/correct`;
    return cells ? api("POST", path, { version: existing.version, cells }) : postBytes(`${path}?${query}`, bytes, contentType);
  }
  return cells
    ? api("POST", `${BASE}/submissions`, { dataflow: flowSelect.value, period, cells })
    : postBytes(`${BASE}/submissions/upload?${query}`, bytes, contentType);
}

async function check(figures) {
  const period = checkPeriod();
  if (period === null) return;
  say(t("data_officer.checking"));
  showReport(null);
  checked = null;
  try {
    const submission = await send(period, figures);
    checked = submission;
    reportOn(submission);
    await submissions.refresh();
    describeRevision();
  } catch (error) {
    say(error instanceof ApiError ? refusal(error) : t("error.generic", { message: error.message }), "refused");
  }
}

function reportOn(submission) {
  const { report } = submission;
  const counts = { version: submission.version, errors: report.errors.length, warnings: report.warnings.length };
  say(
    submission.state === "validated" ? t("data_officer.checked_ok", counts) : t("data_officer.checked_errors", counts),
    submission.state === "validated" ? "saved" : "refused",
  );
  showReport(report, submission.state === "validated");
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("upload-file").files[0];
  const contentType = file ? uploadType(file) : null;
  markInvalid($("upload-file"), contentType === null);
  if (contentType === null) {
    say(t(file ? "data_officer.not_csv_or_xlsx" : "data_officer.choose_file"), "refused");
    $("upload-file").focus();
    return;
  }
  await check({ bytes: await file.arrayBuffer(), contentType });
});

$("entry-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const cells = entry.cells();
  if (cells === null) {
    say(t("data_officer.entry_invalid"), "refused");
    return;
  }
  await check({ cells });
});
$("entry-add").addEventListener("click", () => entry.addRow({ focus: true }));

$("submit-checked").addEventListener("click", async () => {
  if (checked === null) return;
  try {
    const done = await submissions.submit(checked);
    checked = null;
    showReport(null);
    say(t(done.late ? "data_officer.submitted_late" : "data_officer.submitted", { version: done.version }), "saved");
    describeRevision();
  } catch (error) {
    say(refusal(error), "refused");
  }
});

flowSelect.addEventListener("change", () => {
  periodInput.value = periodBefore(flow().frequency, 1);
  entry.setFlow(flow(), template);
  describeFlow();
});
periodInput.addEventListener("input", () => {
  periodInput.removeAttribute("aria-invalid");
  describeRevision();
});
onLanguageChange(() => {
  describeFlow();
  entry.relabel();
  submissions.draw();
  if (checked) reportOn(checked);
});

flowOptions(flowSelect, template.dataflows);
periodInput.value = periodBefore(flow().frequency, 1);
entry.setFlow(flow(), template);
await submissions.refresh().catch((error) => ($("submissions-result").textContent = refusal(error)));
describeFlow();
document.body.dataset.ready = "true";
