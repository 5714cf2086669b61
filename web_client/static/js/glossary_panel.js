// The glossary panel of the call screen: the shared terms (GET /api/terms) in the call's language beside a
// second language, the one the authority side works in (the interface language unless changed), filtered as
// one types. Anything not approved by a reviewer is marked as such. Read only: terms are edited elsewhere.
import { api } from "./api.js";
import { language as interfaceLanguage, t } from "./i18n.js";
import { nameOf } from "./languages.js";

const MAX_TERMS = 500;
// Call languages are BCP 47 as asked for (fa-AF, sr); the terminology keeps one tag per language.
const ALIASES = { "fa-AF": "prs", sr: "sr-Latn", "sr-Cyrl": "sr-Latn", ku: "kmr", bs: "sr-Latn", hr: "sr-Latn" };
const RIGHT_TO_LEFT = new Set(["ar", "fa", "prs", "ps", "ur", "ckb"]);

/** The terminology's tag for a call language: itself, a known alias, or its primary subtag. */
export function termLanguage(tag, known) {
  if (known.has(tag)) return tag;
  if (ALIASES[tag] && known.has(ALIASES[tag])) return ALIASES[tag];
  const primary = tag.split("-")[0];
  if (ALIASES[primary] && known.has(ALIASES[primary])) return ALIASES[primary];
  return known.has(primary) ? primary : null;
}

function fold(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").replace(/\u0640/g, "").toLowerCase();
}

export class GlossaryPanel {
  constructor(elements) {
    this.el = elements;
    this.terms = [];
    this.language = null; // the call's, as the terminology tags it
    this.el.filter.addEventListener("input", () => this.render());
    this.el.second.addEventListener("change", () => this.render());
  }

  /** Load the terms for a call in ``callLanguage``; the panel shows itself only when there are some. */
  async load(callLanguage) {
    let answer;
    try {
      answer = await api("GET", `/api/terms?limit=${MAX_TERMS}`);
    } catch {
      return; // the call goes on without its glossary
    }
    const known = new Set(answer.terms.flatMap((term) => term.entries.map((entry) => entry.language)));
    this.language = termLanguage(callLanguage, known);
    if (!this.language) return;
    this.terms = answer.terms.filter((term) => term.entries.some((e) => e.language === this.language));
    const seconds = [...known].filter((tag) => tag !== this.language).sort();
    const options = await Promise.all(
      seconds.map(async (tag) => {
        const option = document.createElement("option");
        option.value = tag;
        option.textContent = `${await nameOf(tag)} (${tag})`;
        return option;
      }),
    );
    this.el.second.replaceChildren(...options);
    const preferred = termLanguage(interfaceLanguage(), known);
    const fallback = seconds.includes("en") ? "en" : seconds[0];
    this.el.second.value = preferred && preferred !== this.language ? preferred : fallback;
    this.el.callLanguage.textContent = `${await nameOf(callLanguage)} (${this.language})`;
    this.el.panel.hidden = this.terms.length === 0;
    this.render();
  }

  cell(entry) {
    const td = document.createElement("td");
    if (!entry) {
      td.textContent = "—";
      return td;
    }
    const text = document.createElement("span");
    text.textContent = entry.text;
    text.lang = entry.language;
    text.dir = RIGHT_TO_LEFT.has(entry.language) ? "rtl" : "ltr";
    td.append(text);
    if (entry.status !== "approved") {
      const mark = document.createElement("small");
      mark.className = "term-status";
      mark.dataset.status = entry.status;
      mark.textContent = ` ${t(`glossary.status.${entry.status}`)}`;
      td.append(mark);
    }
    if (entry.definition) td.title = entry.definition;
    return td;
  }

  render() {
    const query = fold(this.el.filter.value.trim());
    const second = this.el.second.value;
    const rows = [];
    for (const term of this.terms) {
      const mine = term.entries.find((e) => e.language === this.language);
      const theirs = term.entries.find((e) => e.language === second);
      const haystack = [mine?.text, theirs?.text].filter(Boolean).map(fold);
      if (query && !haystack.some((text) => text.includes(query))) continue;
      const row = document.createElement("tr");
      row.dataset.term = term.id;
      row.append(this.cell(mine), this.cell(theirs));
      rows.push(row);
    }
    this.el.secondName.textContent = this.el.second.selectedOptions[0]?.textContent ?? "";
    this.el.rows.replaceChildren(...rows);
    this.el.empty.hidden = rows.length > 0;
  }
}
