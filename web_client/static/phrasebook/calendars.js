// Gregorian, Islamic (Hijri, Umm al-Qura) and Solar Hijri dates, both ways: a port of glossary/calendars.py
// (same table, same arithmetic; tests/browser/test_phrasebook_pointing.py proves the two agree). Days are
// counted from 1970-01-01 (Date.UTC / one day), so the three calendars meet on one number.

const DAY_MS = 86_400_000;

// Umm al-Qura month lengths: three hex digits (12 bits) a year from 1343 AH, bit m-1 set for a 30-day month.
const UMM_AL_QURA_FIRST_YEAR = 1343;
const UMM_AL_QURA_LAST_YEAR = 1500;
const UMM_AL_QURA_BITS =
  "eed554b5566c36c4d5dd5b4ab155559ad56ab554d4d5564b497d55555555d55755d55555555d556d5555ea5d2a" +
  "aaacd5655572da9555aaa55552da6d55a55574dd53d54556d552d5d55d54d4565552da5d55aad56aad4b52aa57" +
  "4ae97656cb55aaaa554ad95d2da5d9db2ba4b4aa552b5575b6abd2bc4b89a9552d5adb6a6d4dc9d92aa69562ae" +
  "56d36ab55aaa94d49d95d2ba5b55aad55a9a92e26e55dada6d46a554ba9754eaae5acba9d92b2564bcab55ab55" +
  "6d2ea5e4aa9552daad36c7596d269552da5b4ba9ba3b4b69b52aa64b696d2ec6d9eb2d54d2aa564ae96dd6ab54" +
  "b29a9352ba57536ab56aae93";
// The published months that are neither 29 nor 30 days long, kept as published: "year-month" -> days.
const UMM_AL_QURA_IRREGULAR = new Map([
  ["1343-9", 28], ["1345-5", 31], ["1345-8", 28], ["1348-11", 31],
  ["1348-12", 28], ["1349-10", 28], ["1349-11", 31], ["1364-8", 28],
]);
const SOLAR_HIJRI_FIRST_YEAR = 1300;
const SOLAR_HIJRI_LAST_YEAR = 1500;
// Borkowski's break years: each starts a new run of 33-year cycles.
const BREAKS = [
  -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178,
];

export const HIJRI_MONTHS = {
  en: ["Muharram", "Safar", "Rabi al-Awwal", "Rabi al-Thani", "Jumada al-Ula", "Jumada al-Akhirah", "Rajab",
    "Shaban", "Ramadan", "Shawwal", "Dhu al-Qadah", "Dhu al-Hijjah"],
  ar: ["محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب", "شعبان", "رمضان", "شوال",
    "ذو القعدة", "ذو الحجة"],
};
// Iran's month names, and Afghanistan's (the zodiac: Arabic names in Dari, its own in Pashto).
export const SOLAR_HIJRI_MONTHS = {
  en: ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar", "Dey",
    "Bahman", "Esfand"],
  fa: ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"],
  "en-AF": ["Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sunbula", "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut"],
  prs: ["حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"],
  ps: ["وری", "غویی", "غبرگولی", "چنګاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"],
};

export class NoSuchDate extends RangeError {}

const check = (ok, message) => {
  if (!ok) throw new NoSuchDate(message);
};

// Gregorian

export const gregorianToDays = ({ year, month, day }) => Date.UTC(year, month - 1, day) / DAY_MS;

export function gregorianFromDays(days) {
  const date = new Date(days * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export const gregorianMonthLength = (year, month) => new Date(Date.UTC(year, month, 0)).getUTCDate();

const pad = (n, width = 2) => String(n).padStart(width, "0");
export const isoDate = ({ year, month, day }) => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

// Hijri (Umm al-Qura)

export function hijriMonthLength(year, month) {
  const irregular = UMM_AL_QURA_IRREGULAR.get(`${year}-${month}`);
  if (irregular !== undefined) return irregular;
  const offset = (year - UMM_AL_QURA_FIRST_YEAR) * 3;
  const bits = parseInt(UMM_AL_QURA_BITS.slice(offset, offset + 3), 16);
  return (bits >> (month - 1)) & 1 ? 30 : 29;
}

let monthStarts = null;
/** The day number of the first day of every month in the table, and one past the last. */
function hijriMonthStarts() {
  if (!monthStarts) {
    monthStarts = [gregorianToDays({ year: 1924, month: 8, day: 1 })]; // 1 Muharram 1343
    for (let year = UMM_AL_QURA_FIRST_YEAR; year <= UMM_AL_QURA_LAST_YEAR; year += 1) {
      for (let month = 1; month <= 12; month += 1) monthStarts.push(monthStarts.at(-1) + hijriMonthLength(year, month));
    }
  }
  return monthStarts;
}

function checkHijri({ year, month, day }) {
  check(year >= UMM_AL_QURA_FIRST_YEAR && year <= UMM_AL_QURA_LAST_YEAR, `Hijri year ${year} is outside the table`);
  check(month >= 1 && month <= 12, `a Hijri month is 1-12, not ${month}`);
  check(day >= 1 && day <= hijriMonthLength(year, month), `${year}-${month} has no day ${day}`);
}

export function hijriToDays(hijri) {
  checkHijri(hijri);
  return hijriMonthStarts()[(hijri.year - UMM_AL_QURA_FIRST_YEAR) * 12 + hijri.month - 1] + hijri.day - 1;
}

export function hijriFromDays(days) {
  const starts = hijriMonthStarts();
  check(days >= starts[0] && days < starts.at(-1), `day ${days} is outside the Umm al-Qura table`);
  let low = 0;
  let high = starts.length - 1; // the last month starting on or before `days`, by bisection
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (starts[middle] <= days) low = middle;
    else high = middle;
  }
  return { year: UMM_AL_QURA_FIRST_YEAR + Math.floor(low / 12), month: (low % 12) + 1, day: days - starts[low] + 1 };
}

// Solar Hijri

/** The day number of 1 Farvardin (1 Hamal) of a Solar Hijri year, by Borkowski's arithmetic. */
export function nowruz(year) {
  check(year >= BREAKS[0] && year < BREAKS.at(-1), `no Solar Hijri rule for year ${year}`);
  let leapDays = -14;
  let cycleStart = BREAKS[0];
  let run = 0;
  for (const nextBreak of BREAKS.slice(1)) {
    run = nextBreak - cycleStart;
    if (year < nextBreak) break;
    leapDays += Math.floor(run / 33) * 8 + Math.floor((run % 33) / 4);
    cycleStart = nextBreak;
  }
  const intoRun = year - cycleStart;
  leapDays += Math.floor(intoRun / 33) * 8 + Math.floor(((intoRun % 33) + 3) / 4);
  if (run % 33 === 4 && run - intoRun === 4) leapDays += 1;
  const gregorianYear = year + 621;
  const gregorianLeapDays =
    Math.floor(gregorianYear / 4) - Math.floor(((Math.floor(gregorianYear / 100) + 1) * 3) / 4) - 150;
  return gregorianToDays({ year: gregorianYear, month: 3, day: 20 + leapDays - gregorianLeapDays });
}

export function solarHijriMonthLength(year, month) {
  if (month <= 6) return 31;
  if (month <= 11) return 30;
  return nowruz(year + 1) - nowruz(year) - 336;
}

export function solarHijriToDays({ year, month, day }) {
  check(year >= SOLAR_HIJRI_FIRST_YEAR && year <= SOLAR_HIJRI_LAST_YEAR, `Solar Hijri year ${year} is not 1300-1500`);
  check(month >= 1 && month <= 12, `a Solar Hijri month is 1-12, not ${month}`);
  check(day >= 1 && day <= solarHijriMonthLength(year, month), `${year}-${month} has no day ${day}`);
  const dayOfYear = month <= 7 ? (month - 1) * 31 : 186 + (month - 7) * 30;
  return nowruz(year) + dayOfYear + day - 1;
}

export function solarHijriFromDays(days) {
  let year = gregorianFromDays(days).year - 621;
  if (days < nowruz(year)) year -= 1;
  check(year >= SOLAR_HIJRI_FIRST_YEAR && year <= SOLAR_HIJRI_LAST_YEAR, `day ${days} is outside 1300-1500 AP`);
  const dayOfYear = days - nowruz(year);
  const [month, day] =
    dayOfYear < 186
      ? [Math.floor(dayOfYear / 31), dayOfYear % 31]
      : [6 + Math.floor((dayOfYear - 186) / 30), (dayOfYear - 186) % 30];
  return { year, month: month + 1, day: day + 1 };
}

// The three side by side: what the picker needs of each.

export const CALENDARS = {
  gregorian: { toDays: gregorianToDays, fromDays: gregorianFromDays, monthLength: gregorianMonthLength },
  hijri: { toDays: hijriToDays, fromDays: hijriFromDays, monthLength: hijriMonthLength },
  solar_hijri: { toDays: solarHijriToDays, fromDays: solarHijriFromDays, monthLength: solarHijriMonthLength },
};

/** The days all three calendars can express: the Umm al-Qura table's, 1 August 1924 to 16 November 2077. */
export function commonRange() {
  const starts = hijriMonthStarts();
  return { first: starts[0], last: starts.at(-1) - 1 };
}
