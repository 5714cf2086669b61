// The pointing aids of the show-to-migrant view: a `country` phrase is answered on the world map, a `date`
// phrase on the three calendars. Their answers carry the value in the id ("country:AF",
// "date:2026-03-21:solar_hijri"), so the session records them like any other answer and this module alone
// turns them into the officer's words.
import { t } from "/static/js/i18n.js";
import { datePicker, intlLocale, officerMonthNames, todayDays } from "./calendar_picker.js";
import { CALENDARS, gregorianToDays } from "./calendars.js";
import { countryName, loadWorld, worldMap } from "./map.js";

export const POINTING_FORMS = new Set(["country", "date"]);
const DAY_MS = 86_400_000;

export const isPointingAnswer = (answerId) => /^(country|date):/.test(answerId ?? "");

const parseIso = (iso) => {
  const [year, month, day] = iso.split("-").map(Number);
  return { year, month, day };
};

function dateAnswerText(iso, calendar, officer, migrant) {
  const days = gregorianToDays(parseIso(iso));
  const words = new Intl.DateTimeFormat(intlLocale(officer), {
    dateStyle: "long",
    calendar: "gregory",
    numberingSystem: "latn",
    timeZone: "UTC",
  }).format(new Date(days * DAY_MS));
  const names = officerMonthNames(calendar, migrant);
  if (!names) return t("phrasebook.date_answer_gregorian", { iso, words });
  const given = CALENDARS[calendar].fromDays(days);
  const original = `${given.day} ${names[given.month - 1]} ${given.year}`;
  return t("phrasebook.date_answer", { iso, words, calendar: t(`phrasebook.calendar.${calendar}`), original });
}

/** The officer's words for a map or calendar answer given by a person reading `migrant`. */
export function pointingAnswerText(answerId, officer, migrant) {
  const [form, value, calendar] = answerId.split(":");
  if (form === "date") return dateAnswerText(value, calendar, officer, migrant);
  const theirs = countryName(value, migrant);
  const ours = countryName(value, officer);
  return theirs === ours ? ours : `${ours} (${theirs})`;
}

// What is on screen, kept across re-renders of the view so a zoomed map stays zoomed after a tap.
let mounted = { key: null, phraseId: null, root: null, picks: [] };

function build({ phrase, migrant, officer, direction, answered, yes, onAnswer }) {
  if (phrase.answer === "country") {
    return worldMap({
      migrant,
      officer,
      direction,
      labels: {
        map: t("phrasebook.map"),
        find: t("phrasebook.find_country"),
        zoomIn: t("phrasebook.zoom_in"),
        zoomOut: t("phrasebook.zoom_out"),
        wholeWorld: t("phrasebook.whole_world"),
      },
      onPick: (code) => {
        mounted.picks = [...mounted.picks.filter((c) => c !== code), code];
        onAnswer(`country:${code}`);
      },
    });
  }
  const labels = Object.fromEntries(
    ["gregorian", "hijri", "solar_hijri"].map((calendar) => [calendar, t(`phrasebook.calendar.${calendar}`)]),
  );
  for (const part of ["day", "month", "year"]) labels[part] = t(`phrasebook.date_${part}`);
  return datePicker({
    migrant,
    direction,
    labels,
    confirmText: yes,
    initialDays: answered ? gregorianToDays(parseIso(answered.split(":")[1])) : todayDays(),
    onConfirm: (days, calendar) => {
      const iso = new Date(days * DAY_MS).toISOString().slice(0, 10);
      onAnswer(`date:${iso}:${calendar}`);
    },
  });
}

/**
 * Put the map or the calendars for `phrase` into `container`. A new phrase, language or showing (nothing
 * answered yet) builds them afresh, keeping what this showing already answered; an answer only updates
 * the highlight.
 */
export async function showPointing(container, options) {
  const { phrase, migrant, officer, answered } = options;
  const key = `${phrase.id} ${migrant} ${officer}`;
  if (key !== mounted.key || !answered) {
    try {
      if (phrase.answer === "country") await loadWorld();
    } catch {
      const failed = Object.assign(document.createElement("p"), { textContent: t("phrasebook.map_failed") });
      container.replaceChildren(failed);
      return;
    }
    const picks = answered && mounted.phraseId === phrase.id ? mounted.picks : [];
    mounted = { key, phraseId: phrase.id, root: build(options), picks };
    container.replaceChildren(mounted.root);
  }
  mounted.root.showPicked?.(mounted.picks);
}
