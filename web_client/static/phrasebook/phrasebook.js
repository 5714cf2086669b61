// The first-contact phrasebook: the officer picks the person's language, browses by situation or searches
// in any language, and shows one phrase full screen for the person to answer by tapping. Public and
// offline (sw.js): the content is the same for everyone, and nothing about the person leaves this page.
import { initI18n, language, onLanguageChange, t } from "/static/js/i18n.js";
import { favourites } from "./favourites.js";
import { POINTING_FORMS, isPointingAnswer, pointingAnswerText, showPointing } from "./pointing.js";
import { PhraseIndex } from "./search.js";
import { AnswerSession, download, localTimestamp, toCsv } from "./session.js";

const DATA_URL = "/phrasebook/data.json";
const AUDIO_URL = "/phrasebook/audio/";
const PDF_URL = "/phrasebook/answers.pdf";
const TARGET_KEY = "rris.phrasebook.target";
const FAVOURITES = "favourites";
const ALL = "all";
const $ = (id) => document.getElementById(id);

const state = { data: null, index: null, target: "ar", view: ALL, query: "", shown: null, stale: false };
const session = new AnswerSession();

function element(tag, properties = {}, ...children) {
  const made = Object.assign(document.createElement(tag), properties);
  made.append(...children);
  return made;
}

const languageOf = (tag) => state.data.languages.find((l) => l.tag === tag);
const direction = (tag) => languageOf(tag)?.direction ?? "ltr";
// The officer reads the interface language; the phrasebook holds all five interface languages.
const officerTag = () => (languageOf(language()) ? language() : "en");
const officerText = (translations) => translations[officerTag()][0];

function statusMark([, status, provenance]) {
  const mark = element(
    "details",
    { className: `status ${status}` },
    element("summary", { textContent: t(`phrasebook.status.${status}`) }),
    element("span", { textContent: t("phrasebook.provenance", { provenance: state.data.provenances[provenance] }) }),
  );
  return mark;
}

/** One translation in its own language and direction, marked when no qualified reviewer approved it. */
function translationLine(translations, tag, className) {
  const entry = translations[tag];
  const line = element("p", { className }, element("span", { textContent: entry[0], lang: tag, dir: direction(tag) }));
  if (entry[1] !== "approved") line.append(" ", statusMark(entry));
  return line;
}

function phraseItem(phrase) {
  const starred = favourites.has(phrase.id);
  const star = element("button", { type: "button", className: "star", textContent: starred ? "★" : "☆" });
  star.setAttribute("aria-pressed", String(starred));
  star.setAttribute("aria-label", t("phrasebook.favourite"));
  star.addEventListener("click", () => {
    const now = favourites.toggle(phrase.id);
    star.setAttribute("aria-pressed", String(now));
    star.textContent = now ? "★" : "☆";
    if (state.view === FAVOURITES && !state.query) renderPhrases();
  });
  const texts = element("div", { className: "texts" });
  if (officerTag() !== state.target) texts.append(translationLine(phrase.text, officerTag(), "officer-text"));
  const targetLine = translationLine(phrase.text, state.target, "target-text");
  if (recordingOf(phrase.id, state.target)) targetLine.append(" ", playButton(phrase.id, state.target));
  texts.append(targetLine);
  const show = element("button", { type: "button", className: "show-button primary", textContent: t("phrasebook.show") });
  show.addEventListener("click", () => openShow(phrase));
  const item = element("li", { className: "phrase" }, star, texts, show);
  item.dataset.id = phrase.id;
  return item;
}

function visiblePhrases() {
  if (state.query) {
    state.index ??= new PhraseIndex(state.data.phrases);
    return state.index.search(state.query, { prefer: [state.target, officerTag()] }).map((hit) => hit.phrase);
  }
  if (state.view === FAVOURITES) return state.data.phrases.filter((phrase) => favourites.has(phrase.id));
  if (state.view === ALL) return state.data.phrases;
  return state.data.phrases.filter((phrase) => phrase.situation === state.view);
}

function renderPhrases() {
  const phrases = visiblePhrases();
  $("phrases").replaceChildren(...phrases.map(phraseItem));
  const empty = $("empty");
  empty.hidden = phrases.length > 0;
  empty.textContent = t(state.query ? "phrasebook.no_results" : "phrasebook.no_favourites");
}

function renderSituations() {
  const views = [
    [ALL, t("phrasebook.all")],
    [FAVOURITES, `★ ${t("phrasebook.favourites")}`],
    ...state.data.situations.map((situation) => [situation.id, officerText(situation.title)]),
  ];
  $("situations").replaceChildren(
    ...views.map(([view, label]) => {
      const button = element("button", { type: "button", textContent: label });
      button.dataset.view = view;
      button.setAttribute("aria-pressed", String(view === state.view && !state.query));
      button.addEventListener("click", () => {
        state.view = view;
        state.query = "";
        $("search").value = "";
        renderSituations();
        renderPhrases();
      });
      return button;
    }),
  );
}

function renderLanguages() {
  const select = $("target-language");
  select.replaceChildren(
    ...state.data.languages.map((l) => {
      // The native name isolated in its own direction, so an RTL name never reorders the English one.
      const isolate = l.direction === "rtl" ? "\u2067" : "\u2066";
      return new Option(`${isolate}${l.native_name}\u2069 · ${l.name}`, l.tag, false, l.tag === state.target);
    }),
  );
}

function renderStart() {
  const disclaimer = $("disclaimer");
  disclaimer.textContent = officerText(state.data.disclaimer);
  disclaimer.lang = officerTag();
  renderLanguages();
  renderSituations();
  renderPhrases();
  renderSession();
}

// Show to the person ------------------------------------------------------------------------------------

function answersOf(phrase) {
  if (phrase.answer === "yes_no") return ["yes", "no"].map((id) => ({ id, text: state.data.answers[id] }));
  if (phrase.answer === "pick_one") return phrase.options;
  return [];
}

function renderShow() {
  const { phrase, answered } = state.shown;
  const tag = state.target;
  const migrant = $("show-migrant");
  migrant.lang = tag;
  migrant.dir = direction(tag);
  $("show-phrase").textContent = phrase.text[tag][0];
  $("show-play").hidden = !recordingOf(phrase.id, tag);
  $("show-play").setAttribute("aria-label", t("phrasebook.play"));
  $("show-answers").replaceChildren(
    ...answersOf(phrase).map((answer) => {
      const button = element("button", { type: "button", textContent: answer.text[tag][0], lang: tag, dir: direction(tag) });
      button.dataset.answer = answer.id;
      button.setAttribute("aria-pressed", String(answered === answer.id));
      button.addEventListener("click", () => {
        state.shown.answered = answer.id;
        session.add(phrase.id, answer.id, tag);
        renderShow();
      });
      return button;
    }),
  );
  $("show-question").replaceChildren(translationLine(phrase.text, officerTag(), "officer-text"));
  // The person's text has its own review status: named by its language, apart from the officer's line.
  const target = languageOf(tag);
  $("show-status").replaceChildren(
    ...(phrase.text[tag][1] === "approved"
      ? []
      : [element("bdi", { textContent: target.native_name, lang: tag, dir: target.direction }),
        ` (${target.name}): `, statusMark(phrase.text[tag])]),
  );
  const note = { country: "phrasebook.point_country", date: "phrasebook.point_date" }[phrase.answer];
  $("show-note").hidden = !note;
  $("show-note").textContent = note ? t(note) : "";
  const given = answerText(phrase, answered, tag);
  const answerLine = $("show-answer");
  answerLine.textContent = given ? t("phrasebook.answer_given", { answer: given }) : "";
  answerLine.lang = officerTag();
  renderPointing(phrase, answered, tag);
}

// A `country` or `date` phrase is answered on the map or the calendars (pointing.js) instead of buttons.
function renderPointing(phrase, answered, tag) {
  const pointing = $("show-pointing");
  pointing.hidden = !POINTING_FORMS.has(phrase.answer);
  if (pointing.hidden) {
    pointing.replaceChildren();
    return;
  }
  const onAnswer = (answerId) => {
    state.shown.answered = answerId;
    session.add(phrase.id, answerId, tag);
    renderShow();
  };
  const yes = state.data.answers.yes[tag][0];
  const officer = officerTag();
  showPointing(pointing, { phrase, migrant: tag, officer, direction: direction(tag), answered, yes, onAnswer });
}

function answerText(phrase, answerId, tag) {
  if (isPointingAnswer(answerId)) return pointingAnswerText(answerId, officerTag(), tag);
  const answer = answersOf(phrase).find((a) => a.id === answerId);
  return answer ? officerText(answer.text) : "";
}

function openShow(phrase) {
  state.shown = { phrase, answered: null, opener: document.activeElement };
  renderShow();
  $("show").hidden = false;
  $("officer").inert = true;
  document.body.classList.add("showing");
  $("show-close").focus();
}

function closeShow() {
  const opener = state.shown?.opener;
  state.shown = null;
  $("show").hidden = true;
  $("officer").inert = false;
  document.body.classList.remove("showing");
  opener?.focus?.();
}

// Session answers ----------------------------------------------------------------------------------------

function answerRows() {
  return session.answers.map(({ phraseId, answerId, language: tag, time }) => {
    const phrase = state.data.phrases.find((p) => p.id === phraseId);
    return [officerText(phrase.text), answerText(phrase, answerId, tag), time];
  });
}

function renderSession() {
  const rows = answerRows();
  $("answers").replaceChildren(
    ...rows.map(([question, answer, time]) =>
      element(
        "tr",
        {},
        element("td", { textContent: question, lang: officerTag() }),
        element("td", { textContent: answer, lang: officerTag() }),
        element("td", { textContent: time.toLocaleTimeString(officerTag()) }),
      ),
    ),
  );
  $("answers-empty").hidden = rows.length > 0;
  $("export-csv").disabled = rows.length === 0;
  renderPdfButton();
  $("clear-session").disabled = rows.length === 0;
}

function exportCsv() {
  const header = [t("phrasebook.question"), t("phrasebook.answer"), t("phrasebook.time")];
  const rows = answerRows().map(([question, answer, time]) => [question, answer, localTimestamp(time)]);
  const stamp = localTimestamp(new Date()).replaceAll(":", "").replace(" ", "-");
  download(`first-contact-answers-${stamp}.csv`, toCsv(header, rows));
}

// The PDF is made by the server (POST /phrasebook/answers.pdf, which keeps nothing): online only.
function renderPdfButton() {
  const offline = !navigator.onLine;
  $("export-pdf").disabled = offline || session.answers.length === 0;
  $("pdf-note").hidden = !offline;
  $("pdf-note").textContent = offline ? t("phrasebook.pdf_offline") : "";
}

async function exportPdf() {
  const note = $("pdf-note");
  const now = localTimestamp(new Date());
  const body = {
    language: officerTag(),
    title: t("phrasebook.pdf_title"),
    date_line: t("phrasebook.pdf_date", { date: now }),
    headings: [t("phrasebook.question"), t("phrasebook.answer"), t("phrasebook.time")],
    answers: answerRows().map(([question, answer, time]) => ({ question, answer, time: localTimestamp(time) })),
  };
  try {
    const response = await fetch(PDF_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
    if (!response.ok) throw new Error(`answers PDF: HTTP ${response.status}`);
    const stamp = now.replaceAll(":", "").replace(" ", "-");
    download(`first-contact-answers-${stamp}.pdf`, await response.blob(), "application/pdf");
    note.hidden = true;
  } catch (error) {
    console.error(error);
    note.hidden = false;
    note.textContent = t("phrasebook.pdf_failed");
  }
}

// Recordings: fetched through the service worker (which keeps them, so they play offline once heard or
// precached) and played from memory; data.json lists which phrase has one in which language.
const player = element("audio", { id: "phrase-audio", preload: "none", hidden: true });
let playerUrl = null;

const recordingOf = (phraseId, tag) => state.data.audio?.[phraseId]?.[tag];

async function play(phraseId, tag) {
  const recording = recordingOf(phraseId, tag);
  if (!recording) return;
  try {
    const path = `${AUDIO_URL}${encodeURIComponent(phraseId)}/${encodeURIComponent(tag)}?v=${recording[0]}`;
    const response = await fetch(path);
    if (!response.ok) throw new Error(`recording: HTTP ${response.status}`);
    const blob = await response.blob();
    if (playerUrl) URL.revokeObjectURL(playerUrl);
    playerUrl = URL.createObjectURL(blob);
    player.src = playerUrl;
    await player.play();
  } catch (error) {
    console.error(error);
    $("network").textContent = t("phrasebook.audio_failed");
  }
}

function playButton(phraseId, tag) {
  const button = element("button", { type: "button", className: "play", textContent: "▶" });
  button.setAttribute("aria-label", t("phrasebook.play"));
  button.addEventListener("click", () => play(phraseId, tag));
  return button;
}

// Data, offline and updates ------------------------------------------------------------------------------

async function fetchData() {
  const response = await fetch(DATA_URL);
  if (!response.ok) throw new Error(`phrasebook data: HTTP ${response.status}`);
  return response.json();
}

async function refreshData() {
  const data = await fetchData();
  if (data.version === state.data.version) return;
  state.data = data;
  state.index = null;
  renderStart();
  if (state.shown) {
    const phrase = data.phrases.find((p) => p.id === state.shown.phrase.id);
    if (phrase) {
      state.shown.phrase = phrase;
      renderShow();
    } else closeShow();
  }
  $("network").textContent = t("phrasebook.updated");
}

function renderNetwork() {
  $("network").textContent = navigator.onLine ? "" : t("phrasebook.offline");
  renderPdfButton();
}

// The worker tells the page when revalidating data.json brought a new version; it may say so before the
// first render (the page then read the older copy), so the listener is there from the start.
function listenToWorker() {
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type !== "phrasebook-data") return;
    if (state.data) refreshData().catch(() => {});
    else state.stale = true;
  });
}

function wire() {
  $("target-language").addEventListener("change", (event) => {
    state.target = event.target.value;
    localStorage.setItem(TARGET_KEY, state.target);
    renderPhrases();
  });
  $("search").addEventListener("input", (event) => {
    state.query = event.target.value;
    renderSituations();
    renderPhrases();
  });
  $("show-close").addEventListener("click", closeShow);
  $("show").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeShow();
  });
  $("clear-session").addEventListener("click", () => session.clear());
  $("export-csv").addEventListener("click", exportCsv);
  $("export-pdf").addEventListener("click", exportPdf);
  $("show-play").addEventListener("click", () => play(state.shown.phrase.id, state.target));
  $("show-play").textContent = "▶";
  document.body.append(player);
  session.onChange(renderSession);
  onLanguageChange(() => {
    renderStart();
    renderNetwork();
    if (state.shown) renderShow();
  });
  window.addEventListener("online", () => {
    renderNetwork();
    refreshData().catch(() => {});
  });
  window.addEventListener("offline", renderNetwork);
}

async function start() {
  listenToWorker();
  const [data] = await Promise.all([fetchData(), initI18n()]);
  state.data = data;
  const stored = localStorage.getItem(TARGET_KEY);
  if (languageOf(stored)) state.target = stored;
  wire();
  renderStart();
  renderNetwork();
  performance.mark("phrasebook-rendered");
  document.body.dataset.ready = "true";
  if (state.stale) refreshData().catch(() => {});
  navigator.serviceWorker?.register("/phrasebook/sw.js", { scope: "/phrasebook/" }).catch(() => {});
}

start().catch((error) => {
  console.error(error);
  $("load-error").hidden = false;
  $("load-error").textContent = t("phrasebook.load_failed");
});
