// Small helpers the coordinator console's parts share: table cells that keep their column's name for
// narrow screens, times and durations in the interface language, language names, and local date-times
// sent with their UTC offset.
import { language, t } from "./i18n.js";
import { languages } from "./languages.js";

/** A <td> (or <th scope="row">) with its text and, for the narrow layout, the column's name. */
export function cell(content, labelKey = null, { header = false } = {}) {
  const element = document.createElement(header ? "th" : "td");
  if (header) element.scope = "row";
  if (content instanceof Node) element.append(content);
  else element.textContent = content ?? "";
  if (labelKey) element.dataset.label = t(labelKey);
  return element;
}

export function button(text, onClick, className = "") {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  if (className) element.className = className;
  element.addEventListener("click", onClick);
  return element;
}

/** ``h:mm:ss`` or ``m:ss`` for a number of seconds. */
export function duration(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function dateTime(iso) {
  return new Date(iso).toLocaleString(language(), { dateStyle: "medium", timeStyle: "short" });
}

export function timeOfDay(iso) {
  return new Date(iso).toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
}

let names = null;

/** Load the language names once, so tables can be drawn without waiting. */
export async function loadLanguageNames() {
  names = new Map((await languages()).map((entry) => [entry.code, entry.english]));
}

/** The English name of a tag from the picker's list; else the browser's name for it; else the tag. */
export function languageName(code) {
  if (names?.has(code)) return names.get(code);
  try {
    const found = new Intl.DisplayNames(["en"], { type: "language" }).of(code);
    if (found && found !== code) return found;
  } catch {
    // not a tag the browser knows: the code itself will do
  }
  return code;
}

export function primary(tag) {
  return tag.split("-")[0].toLowerCase();
}

function offset(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, "0");
  const mm = String(Math.abs(minutes) % 60).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}

/** A <input type="datetime-local"> value (or a date and "00:00") as ISO 8601 with this browser's offset. */
export function withOffset(local) {
  const value = local.length === 10 ? `${local}T00:00` : local.slice(0, 16);
  return `${value}:00${offset(new Date(value))}`;
}

/** ``YYYY-MM-DD`` of a Date in local time. */
export function localDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** ``YYYY-MM-DDTHH:MM`` of a Date in local time, as a datetime-local input holds it. */
export function localDateTime(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${localDate(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function addDays(dateText, days) {
  const date = new Date(`${dateText}T12:00`);
  date.setDate(date.getDate() + days);
  return localDate(date);
}

/** A user-facing message for a failed API call: the code's own message if there is one, else generic. */
export function failure(error) {
  const key = `coordinator.error.${error.code}`;
  const own = t(key, { message: error.message });
  return own === key ? t("error.generic", { message: error.message }) : own;
}
