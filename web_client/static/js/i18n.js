// Interface languages: message catalogues in /static/i18n/<code>.json, English as the fallback for any
// missing message, the choice remembered in localStorage. Elements carry data-i18n (text),
// data-i18n-label (aria-label), data-i18n-placeholder and data-i18n-title; t() formats {name} fields.

export const INTERFACE_LANGUAGES = [
  { code: "en", name: "English" },
  { code: "sq", name: "Shqip" },
  { code: "sr-Latn", name: "Bosanski / Hrvatski / Crnogorski / Srpski" },
  { code: "mk", name: "Македонски" },
  { code: "tr", name: "Türkçe" },
];
const STORAGE_KEY = "rris.ui-language";
const catalogues = new Map();
let current = "en";
const listeners = new Set();

async function load(code) {
  if (!catalogues.has(code)) {
    const response = await fetch(`/static/i18n/${code}.json`, { cache: "no-cache" });
    catalogues.set(code, response.ok ? await response.json() : {});
  }
  return catalogues.get(code);
}

export function t(key, fields = {}) {
  const own = catalogues.get(current) || {};
  const english = catalogues.get("en") || {};
  const template = own[key] ?? english[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in fields ? String(fields[name]) : `{${name}}`));
}

export function language() {
  return current;
}

export function apply(root = document) {
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.setAttribute("placeholder", t(element.dataset.i18nPlaceholder));
  }
  for (const element of root.querySelectorAll("[data-i18n-title]")) {
    element.setAttribute("title", t(element.dataset.i18nTitle));
  }
}

export async function setLanguage(code) {
  if (!INTERFACE_LANGUAGES.some((l) => l.code === code)) code = "en";
  await Promise.all([load("en"), load(code)]);
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  apply();
  for (const listener of listeners) listener(code);
}

/** Call after a language change, e.g. to re-render lists built in code. */
export function onLanguageChange(listener) {
  listeners.add(listener);
}

/** Load the remembered (or the browser's) language and wire the <select id="ui-language"> switcher. */
export async function initI18n() {
  const stored = localStorage.getItem(STORAGE_KEY);
  const browser = (navigator.language || "en").split("-")[0];
  const guess = ["bs", "hr", "me", "sr", "cnr"].includes(browser) ? "sr-Latn" : browser;
  await setLanguage(stored || guess);
  const select = document.getElementById("ui-language");
  if (select) {
    select.replaceChildren(
      ...INTERFACE_LANGUAGES.map((l) => {
        const option = new Option(l.name, l.code, false, l.code === current);
        option.lang = l.code;
        return option;
      }),
    );
    select.addEventListener("change", () => setLanguage(select.value));
  }
}
