// The answers given in one first-contact session: held in this page's memory only (never sent, never
// stored), cleared on demand, and exported as a CSV file made in the browser.

export class AnswerSession {
  constructor() {
    this.answers = [];
    this.listeners = new Set();
  }

  /** `phraseId` and `answerId` (yes, no or an option id) keep the record language-neutral. */
  add(phraseId, answerId, language) {
    this.answers.push({ phraseId, answerId, language, time: new Date() });
    this.changed();
  }

  clear() {
    this.answers = [];
    this.changed();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    for (const listener of this.listeners) listener(this.answers);
  }
}

const pad = (n) => String(n).padStart(2, "0");

/** Local time as 2026-11-29 14:05:09: read the same in every interface language. */
export function localTimestamp(time) {
  const date = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
  return `${date} ${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
}

// A cell a spreadsheet would run as a formula (=, +, -, @, tab, return) is prefixed with an apostrophe.
function cell(value) {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV with a byte-order mark, so spreadsheet programs read the UTF-8 as UTF-8. */
export function toCsv(header, rows) {
  return `\ufeff${[header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n")}\r\n`;
}

export function download(filename, text, type = "text/csv;charset=utf-8") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
