// The form that adds a term or edits one whole: its subject field and note, and one row per language (the
// phrasebook's languages) with its text, provenance, part of speech and definition. An edit is sent with
// the version it started from; when someone else saved first the server refuses it, and the form keeps
// what the user typed so nothing is lost.
import { api } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";
import { button } from "./coordinator_dom.js";
import { languageOptions } from "./coordinator_phrase_audio.js";

const $ = (id) => document.getElementById(id);
const PARTS_OF_SPEECH = ["noun", "verb", "adjective", "adverb", "properNoun", "other"];
let rowCount = 0;

function labelled(labelKey, control) {
  const id = `term-row-${++rowCount}`;
  control.id = id;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.dataset.i18n = labelKey;
  label.textContent = t(labelKey);
  const wrap = document.createElement("div");
  wrap.className = "term-field";
  wrap.append(label, control);
  return wrap;
}

function input(name, { required = false, maxLength = 500 } = {}) {
  const element = document.createElement("input");
  element.type = "text";
  element.name = name;
  element.required = required;
  element.maxLength = maxLength;
  return element;
}

/** ``saved`` is called with the stored term; ``explain`` turns a refusal into words. */
export function mountTermForm({ languages, saved, explain }) {
  const form = $("term-form");
  const rows = $("term-rows");
  const result = $("term-form-result");
  let editing = null; // the term as read when the edit began: its id and version

  function report(text, outcome = "") {
    result.textContent = text;
    result.dataset.outcome = outcome;
  }

  function renumber() {
    [...rows.children].forEach((fieldset, index) => {
      fieldset.querySelector("legend").textContent = t("terms.row_legend", { n: index + 1 });
    });
  }

  function addRow(entry = null) {
    const fieldset = document.createElement("fieldset");
    fieldset.className = "term-row";
    const legend = document.createElement("legend");
    const language = document.createElement("select");
    language.name = "language";
    language.required = true;
    language.append(...languageOptions(languages));
    const taken = new Set([...rows.querySelectorAll("select[name=language]")].map((s) => s.value));
    language.value = entry?.language ?? languages.find((l) => !taken.has(l.tag))?.tag ?? languages[0].tag;
    const text = input("text", { required: true });
    text.dir = "auto";
    const provenance = input("provenance", { required: true });
    const partOfSpeech = document.createElement("select");
    partOfSpeech.name = "part_of_speech";
    partOfSpeech.append(
      new Option(t("terms.pos.none"), ""),
      ...PARTS_OF_SPEECH.map((pos) => new Option(t(`terms.pos.${pos}`), pos)),
    );
    const definition = input("definition", { maxLength: 4000 });
    definition.dir = "auto";
    text.value = entry?.text ?? "";
    provenance.value = entry?.provenance ?? "";
    partOfSpeech.value = entry?.part_of_speech ?? "";
    definition.value = entry?.definition ?? "";
    const remove = button(t("terms.remove_row"), () => {
      fieldset.remove();
      renumber();
      rows.querySelector("select")?.focus();
    });
    fieldset.append(
      legend,
      labelled("coordinator.language", language),
      labelled("terms.text", text),
      labelled("terms.provenance", provenance),
      labelled("terms.part_of_speech", partOfSpeech),
      labelled("terms.definition", definition),
      remove,
    );
    rows.append(fieldset);
    renumber();
    return fieldset;
  }

  function start(term) {
    editing = term ? { id: term.id, version: term.version } : null;
    report("");
    $("term-reload").hidden = true;
    form.dataset.mode = term ? "edit" : "new";
    $("term-form-title").textContent = term ? t("terms.edit_title", { term: term.id }) : t("terms.new_title");
    $("term-id").value = term?.id ?? "";
    $("term-id").readOnly = Boolean(term);
    $("term-subject").value = term?.subject_field ?? "";
    $("term-note").value = term?.note ?? "";
    rows.replaceChildren();
    for (const entry of term?.entries ?? [null]) addRow(entry);
    form.hidden = false;
    (term ? $("term-subject") : $("term-id")).focus();
  }

  function written() {
    const entries = [...rows.children].map((fieldset) => {
      const value = (name) => fieldset.querySelector(`[name=${name}]`).value.trim();
      return {
        language: value("language"),
        text: value("text"),
        provenance: value("provenance"),
        part_of_speech: value("part_of_speech") || null,
        definition: value("definition") || null,
      };
    });
    const note = $("term-note").value.trim();
    return { subject_field: $("term-subject").value.trim(), note: note || null, entries };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    report("");
    const body = written();
    if (body.entries.length === 0) {
      report(t("terms.needs_entry"), "refused");
      return;
    }
    const languagesUsed = body.entries.map((e) => e.language);
    if (new Set(languagesUsed).size !== languagesUsed.length) {
      report(t("terms.language_twice"), "refused");
      return;
    }
    try {
      const stored = editing
        ? await api("PUT", `/api/terms/${encodeURIComponent(editing.id)}`, { base_version: editing.version, ...body })
        : await api("POST", "/api/terms", { id: $("term-id").value.trim(), ...body });
      form.hidden = true;
      editing = null;
      await saved(stored);
      report(t("terms.saved", { term: stored.id, version: stored.version }), "saved");
    } catch (error) {
      // Whatever was typed stays in the form; on a conflict the user may load the current version.
      $("term-reload").hidden = error.code !== "term_changed";
      report(t("terms.not_saved", { reason: explain(error) }), "refused");
    }
  });
  $("term-add-row").addEventListener("click", () => addRow().querySelector("select").focus());
  $("term-cancel").addEventListener("click", () => {
    form.hidden = true;
    report("");
  });
  $("term-reload").addEventListener("click", async () => {
    try {
      const { history: _history, ...current } = await api("GET", `/api/terms/${encodeURIComponent(editing.id)}`);
      start(current);
      report(t("terms.reloaded", { version: current.version }), "saved");
    } catch (error) {
      report(explain(error), "refused");
    }
  });
  onLanguageChange(() => {
    renumber();
    for (const select of rows.querySelectorAll("select[name=part_of_speech]")) {
      for (const option of select.options) option.textContent = t(`terms.pos.${option.value || "none"}`);
    }
    if (editing) $("term-form-title").textContent = t("terms.edit_title", { term: editing.id });
    else $("term-form-title").textContent = t("terms.new_title");
  });
  return { start };
}
