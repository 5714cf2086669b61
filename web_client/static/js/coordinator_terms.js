// The shared terminology in the console: search it, open a term with its entries and version history, add
// and edit terms (each save names the version it was read at, so a concurrent edit is refused rather than
// overwritten), move entries through review when the user holds the reviewer permission, grant that
// permission, and exchange the whole terminology as TBX or CSV.
import { api, postBytes } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";
import { button, cell, dateTime, failure } from "./coordinator_dom.js";
import { mountTermForm } from "./coordinator_term_form.js";
import { languageOptions, phrasebookData } from "./coordinator_phrase_audio.js";

const $ = (id) => document.getElementById(id);
// What a reviewer may do from each status: the server's table (glossary/review.py), as buttons.
const REVIEW_STEPS = { draft: ["reviewed"], reviewed: ["approved", "draft"], approved: ["draft"] };
const IMPORT_TYPES = { csv: "text/csv", tbx: "application/xml" };

/** A message for a refusal: the terminology's own words for its codes, else the console's. */
function termFailure(error) {
  const key = `terms.error.${error.code}`;
  const own = t(key, { message: error.message });
  return own === key ? failure(error) : own;
}

function report(element, text, outcome = "") {
  element.textContent = text;
  element.dataset.outcome = outcome;
}

function statusBadge(status) {
  const badge = document.createElement("span");
  badge.className = `term-badge term-${status}`;
  badge.dataset.status = status;
  badge.textContent = t(`terms.status.${status}`);
  return badge;
}

function entryText(entry) {
  const text = document.createElement("span");
  text.lang = entry.language;
  text.dir = "auto";
  text.textContent = entry.text;
  return text;
}

export async function mountTerms(session) {
  try {
    await mountTermsIn(session);
  } catch (error) {
    report($("terms-result"), termFailure(error), "refused"); // the console goes on without this section
  }
}

async function mountTermsIn(session) {
  const book = await phrasebookData();
  const names = new Map(book.languages.map((l) => [l.tag, l.name]));
  const languageName = (tag) => names.get(tag) ?? tag;
  const own = await api("GET", `/api/terminology/reviewers/${encodeURIComponent(session.user.id)}`);
  const state = { reviewer: own.reviewer, terms: [], open: null };
  const result = $("terms-result");
  const detailResult = $("term-detail-result");
  $("terms-language").append(...languageOptions(book.languages));
  $("term-reviewer-note").textContent = t(state.reviewer ? "terms.you_review" : "terms.you_do_not_review");

  const form = mountTermForm({
    languages: book.languages,
    explain: termFailure,
    saved: async (stored) => {
      await openTerm(stored.id);
      await search();
    },
  });

  // -- the list ------------------------------------------------------------------------------------------

  function row(term) {
    const element = document.createElement("tr");
    element.dataset.termId = term.id;
    const entries = document.createElement("ul");
    entries.className = "term-entries";
    for (const entry of term.entries) {
      const item = document.createElement("li");
      item.dataset.language = entry.language;
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = entry.language;
      tag.title = languageName(entry.language);
      item.append(tag, " ", entryText(entry), " ", statusBadge(entry.status));
      entries.append(item);
    }
    const open = button(t("terms.open"), () => openTerm(term.id));
    open.setAttribute("aria-label", t("terms.open_of", { term: term.id }));
    element.append(
      cell(term.id, "terms.concept", { header: true }),
      cell(term.subject_field, "terms.subject_field"),
      cell(entries, "terms.entries"),
      cell(open, "booking.actions"),
    );
    return element;
  }

  function drawList() {
    const rows = state.terms.map(row);
    $("terms").tBodies[0].replaceChildren(...rows);
    $("terms").hidden = rows.length === 0;
    $("terms-empty").hidden = rows.length > 0;
  }

  async function search() {
    const query = new URLSearchParams();
    if ($("terms-q").value.trim()) query.set("q", $("terms-q").value.trim());
    if ($("terms-language").value) query.set("language", $("terms-language").value);
    state.terms = (await api("GET", `/api/terms?${query}`)).terms;
    drawList();
  }

  // -- one term: entries, review, history ----------------------------------------------------------------

  async function review(entry, to) {
    const { term } = state.open;
    report(detailResult, "");
    try {
      const path = `/api/terms/${encodeURIComponent(term.id)}/entries/${encodeURIComponent(entry.language)}/review`;
      await api("POST", path, { to, base_version: term.version });
      await openTerm(term.id, { focus: false });
      report(detailResult, t(`terms.reviewed_to.${to}`, { language: languageName(entry.language) }), "saved");
      await search();
    } catch (error) {
      if (error.code === "term_changed") {
        // Reviewed against what was read: show what the term says now, and why nothing happened.
        await openTerm(term.id, { focus: false });
        report(detailResult, failure(error), "refused");
      } else {
        report(detailResult, termFailure(error), "refused");
      }
    }
  }

  function entryRow(entry) {
    const element = document.createElement("tr");
    element.dataset.language = entry.language;
    element.dataset.status = entry.status;
    const steps = document.createElement("div");
    steps.className = "actions";
    if (state.reviewer) {
      for (const to of REVIEW_STEPS[entry.status] ?? []) {
        const step = button(t(`terms.review_to.${to}`), () => review(entry, to));
        step.setAttribute("aria-label", t(`terms.review_to_of.${to}`, { language: languageName(entry.language) }));
        steps.append(step);
      }
    }
    const details = [entry.part_of_speech && t(`terms.pos.${entry.part_of_speech}`), entry.definition]
      .filter(Boolean)
      .join(" · ");
    element.append(
      cell(languageName(entry.language), "coordinator.language", { header: true }),
      cell(entryText(entry), "terms.text"),
      cell(statusBadge(entry.status), "terms.status"),
      cell(entry.provenance, "terms.provenance"),
      cell(details || "—", "terms.details"),
      cell(steps, "terms.review"),
    );
    return element;
  }

  function historyRow(version) {
    const element = document.createElement("tr");
    element.dataset.version = version.version;
    element.append(
      cell(String(version.version), "terms.version", { header: true }),
      cell(dateTime(version.at), "terms.at"),
      cell(version.author_id === session.user.id ? t("terms.you", { id: version.author_id }) : version.author_id,
        "terms.author"),
      cell(version.change, "terms.change"),
    );
    return element;
  }

  function drawDetail() {
    const panel = $("term-detail");
    if (state.open === null) {
      panel.hidden = true;
      return;
    }
    const { term, history } = state.open;
    panel.hidden = false;
    panel.dataset.termId = term.id;
    panel.dataset.version = term.version;
    $("term-detail-title").textContent = t("terms.detail_title", { term: term.id, subject: term.subject_field });
    $("term-detail-note").textContent = term.note ?? "";
    $("term-detail-note").hidden = !term.note;
    $("term-entries").tBodies[0].replaceChildren(...term.entries.map(entryRow));
    $("term-history").tBodies[0].replaceChildren(...[...history].reverse().map(historyRow));
  }

  async function openTerm(id, { focus = true } = {}) {
    report(detailResult, "");
    try {
      const { history, ...term } = await api("GET", `/api/terms/${encodeURIComponent(id)}`);
      state.open = { term, history };
      drawDetail();
      if (focus) $("term-detail").focus();
    } catch (error) {
      report(result, termFailure(error), "refused");
    }
  }

  $("terms-search").addEventListener("submit", (event) => {
    event.preventDefault();
    report(result, "");
    search().catch((error) => report(result, termFailure(error), "refused"));
  });
  $("term-new").addEventListener("click", () => form.start(null));
  $("term-edit").addEventListener("click", () => form.start(state.open.term));
  onLanguageChange(() => {
    drawList();
    drawDetail();
    $("term-reviewer-note").textContent = t(state.reviewer ? "terms.you_review" : "terms.you_do_not_review");
  });

  await Promise.all([
    search().catch((error) => report(result, termFailure(error), "refused")),
    mountReviewers(session),
  ]);
  mountExchange(session, search);
}

// -- who may review ----------------------------------------------------------------------------------------

async function mountReviewers(session) {
  const result = $("reviewers-result");
  let grants = [];

  async function withdraw(userId) {
    report(result, "");
    try {
      await api("DELETE", `/api/terminology/reviewers/${encodeURIComponent(userId)}`);
      report(result, t("terms.reviewer_withdrawn", { user: userId }), "saved");
      await list();
    } catch (error) {
      report(result, termFailure(error), "refused");
    }
  }

  function row(grant) {
    const element = document.createElement("tr");
    element.dataset.userId = grant.user_id;
    const withdrawing = button(t("terms.withdraw"), () => withdraw(grant.user_id));
    withdrawing.setAttribute("aria-label", t("terms.withdraw_of", { user: grant.user_id }));
    element.append(
      cell(grant.user_id, "terms.user", { header: true }),
      cell(grant.granted_by, "terms.granted_by"),
      cell(dateTime(grant.granted_at), "terms.granted_at"),
      cell(withdrawing, "booking.actions"),
    );
    return element;
  }

  function draw() {
    const rows = grants.map(row);
    $("reviewers").tBodies[0].replaceChildren(...rows);
    $("reviewers").hidden = rows.length === 0;
    $("reviewers-empty").hidden = rows.length > 0;
  }

  async function list() {
    grants = (await api("GET", "/api/terminology/reviewers")).reviewers;
    draw();
  }

  $("reviewer-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    report(result, "");
    const userId = $("reviewer-user").value.trim();
    if (!userId) return;
    if (userId === session.user.id) {
      report(result, t("terms.error.self_grant"), "refused");
      return;
    }
    try {
      await api("PUT", `/api/terminology/reviewers/${encodeURIComponent(userId)}`);
      report(result, t("terms.reviewer_granted", { user: userId }), "saved");
      $("reviewer-user").value = "";
      await list();
    } catch (error) {
      report(result, termFailure(error), "refused");
    }
  });
  onLanguageChange(draw);
  await list().catch((error) => report(result, termFailure(error), "refused"));
}

// -- TBX and CSV in and out --------------------------------------------------------------------------------

function importFormat(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".tbx") || name.endsWith(".xml")) return "tbx";
  return null;
}

function mountExchange(session, search) {
  const fileInput = $("terms-import-file");
  const result = $("terms-import-result");
  $("terms-import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    report(result, "");
    const file = fileInput.files[0];
    const format = file ? importFormat(file) : null;
    if (format === null) {
      report(result, t("terms.import_pick"), "refused");
      fileInput.focus();
      return;
    }
    try {
      const path = `/api/terms/import?format=${format}`;
      const { imported } = await postBytes(path, file, IMPORT_TYPES[format]);
      report(result, t("terms.imported", { count: imported }), "saved");
      fileInput.value = "";
      await search();
    } catch (error) {
      report(result, t("terms.import_refused", { reason: error.message }), "refused");
    }
  });
}
