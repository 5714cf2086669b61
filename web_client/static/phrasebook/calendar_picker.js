// The date picker the person answers with: Gregorian, Islamic (Hijri, Umm al-Qura) and Solar Hijri side by
// side, month names in the person's language and script where we have them. Whichever calendar they set,
// the other two follow; the one they set last is the one the answer says the date was given in.
import { CALENDARS, HIJRI_MONTHS, SOLAR_HIJRI_MONTHS, commonRange, gregorianFromDays } from "./calendars.js";

export const CALENDAR_ORDER = ["gregorian", "hijri", "solar_hijri"];
const ARABIC_SCRIPT = new Set(["ar", "fa", "prs", "ps", "ur", "ckb"]);
// Intl's locale for each phrasebook language (Dari is Afghanistan's Persian; Kurmanji is `ku` to ICU).
const INTL_LOCALE = { prs: "fa-AF", kmr: "ku" };
const DAY_MS = 86_400_000;

export const intlLocale = (tag) => {
  const locale = INTL_LOCALE[tag] ?? tag;
  return Intl.DateTimeFormat.supportedLocalesOf(locale).length ? locale : "en";
};

/** Month names a person reading `tag` knows: Afghan ones for Dari and Pashto, Iran's for other readers of
 * the Arabic script, the Latin transliterations (glossary/calendars.py's) for everyone else. */
export function monthNames(calendar, tag) {
  if (calendar === "hijri") return HIJRI_MONTHS[ARABIC_SCRIPT.has(tag) ? "ar" : "en"];
  if (calendar === "solar_hijri") {
    if (tag in SOLAR_HIJRI_MONTHS) return SOLAR_HIJRI_MONTHS[tag];
    return SOLAR_HIJRI_MONTHS[ARABIC_SCRIPT.has(tag) ? "fa" : "en"];
  }
  const format = new Intl.DateTimeFormat(intlLocale(tag), { month: "long", calendar: "gregory", timeZone: "UTC" });
  return Array.from({ length: 12 }, (_, i) => format.format(new Date(Date.UTC(2001, i, 1))));
}

/** The names an officer reads for a date given in another calendar: Afghan ones if the person's were. */
export const officerMonthNames = (calendar, migrant) =>
  calendar === "solar_hijri" && (migrant === "prs" || migrant === "ps")
    ? SOLAR_HIJRI_MONTHS["en-AF"]
    : calendar === "gregorian"
      ? null
      : { hijri: HIJRI_MONTHS.en, solar_hijri: SOLAR_HIJRI_MONTHS.en }[calendar];

export const todayDays = (now = new Date()) =>
  Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / DAY_MS;

const element = (tag, properties = {}, ...children) => {
  const made = Object.assign(document.createElement(tag), properties);
  made.append(...children);
  return made;
};

/**
 * Three columns and a confirm button. `labels` holds the officer-language names of the calendars and the
 * parts (for screen readers too); `onConfirm(days, calendar)` gets the day number and the calendar set last.
 */
export function datePicker({ migrant, direction, labels, confirmText, initialDays, onConfirm }) {
  const range = commonRange();
  const clamp = (days) => Math.min(range.last, Math.max(range.first, days));
  const digits = new Intl.NumberFormat(intlLocale(migrant), { useGrouping: false });
  const state = { days: clamp(initialDays), given: "gregorian" };
  const columns = new Map();

  for (const calendar of CALENDAR_ORDER) {
    const { fromDays, monthLength } = CALENDARS[calendar];
    const [first, last] = [fromDays(range.first).year, fromDays(range.last).year];
    const select = (part, values, text) => {
      const made = element("select", { className: `date-${part}` });
      made.dataset.part = part;
      made.setAttribute("aria-label", `${labels[calendar]}: ${labels[part]}`);
      made.append(...values.map((value) => new Option(text(value), String(value))));
      made.addEventListener("change", () => changed(calendar));
      return made;
    };
    const names = monthNames(calendar, migrant);
    const years = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    const parts = {
      day: select("day", [], String),
      month: select("month", names.map((_, i) => i + 1), (m) => `${names[m - 1]} (${digits.format(m)})`),
      year: select("year", years, (y) => digits.format(y)),
    };
    const fieldset = element(
      "fieldset",
      { className: "calendar", lang: migrant, dir: direction },
      element("legend", { textContent: labels[calendar] }),
      parts.day,
      parts.month,
      parts.year,
    );
    fieldset.dataset.calendar = calendar;
    columns.set(calendar, { fieldset, parts, monthLength });
  }

  function changed(calendar) {
    const { parts, monthLength } = columns.get(calendar);
    const year = Number(parts.year.value);
    const month = Number(parts.month.value);
    const day = Math.min(Number(parts.day.value), monthLength(year, month)); // 31 Jan -> Feb: its last day
    state.days = clamp(CALENDARS[calendar].toDays({ year, month, day }));
    state.given = calendar;
    render();
  }

  function render() {
    for (const [calendar, { fieldset, parts, monthLength }] of columns) {
      const date = CALENDARS[calendar].fromDays(state.days);
      const length = monthLength(date.year, date.month);
      if (parts.day.options.length !== length) {
        parts.day.replaceChildren(
          ...Array.from({ length }, (_, i) => new Option(digits.format(i + 1), String(i + 1))),
        );
      }
      parts.day.value = String(date.day);
      parts.month.value = String(date.month);
      parts.year.value = String(date.year);
      fieldset.classList.toggle("given", calendar === state.given);
    }
    const { year, month, day } = gregorianFromDays(state.days);
    iso.value = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  }

  const iso = element("output", { className: "iso-date", dir: "ltr" });
  const confirm = element("button", { type: "button", className: "confirm-date primary" });
  confirm.textContent = `✓ ${confirmText}`;
  confirm.addEventListener("click", () => onConfirm(state.days, state.given));
  const root = element(
    "div",
    { className: "date-picker" },
    element("div", { className: "calendars", dir: direction }, ...[...columns.values()].map((c) => c.fieldset)),
    iso,
    confirm,
  );
  render();
  return root;
}
