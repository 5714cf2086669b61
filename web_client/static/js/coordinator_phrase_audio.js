// Phrase recordings in the console: a coordinator uploads a recording of a phrasebook phrase in one of its
// languages, with who spoke it, and plays or deletes the ones there are. The server decodes every upload
// before keeping it, so the page only sends the file as it is, with its own type.
import { ApiError, api, postBytes } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";
import { button, cell, failure } from "./coordinator_dom.js";

const $ = (id) => document.getElementById(id);
let book = null;

/** The public phrasebook data (phrases, its 16 languages, the recordings); ``fresh`` asks the server again. */
export async function phrasebookData({ fresh = false } = {}) {
  if (book === null || fresh) {
    book = fetch("/phrasebook/data.json", { cache: "no-cache", credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, response.statusText);
      return response.json();
    });
    book.catch(() => (book = null)); // a failed load is tried again next time
  }
  return book;
}

/** The phrasebook's languages as ``<option>``s, by English name, the native one beside it. */
export function languageOptions(languages) {
  return languages.map((entry) => {
    const label = entry.native_name && entry.native_name !== entry.name ? `${entry.name} — ${entry.native_name}` : entry.name;
    return new Option(label, entry.tag);
  });
}

function explain(error) {
  const key = `phrase_audio.error.${error.code}`;
  const own = t(key, { message: error.message });
  return own === key ? failure(error) : own;
}

function englishText(phrase) {
  return phrase.text.en?.[0] ?? phrase.id;
}

export async function mountPhraseAudio(session) {
  const form = $("phrase-audio-form");
  const phraseSelect = $("phrase-audio-phrase");
  const languageSelect = $("phrase-audio-language");
  const provenance = $("phrase-audio-provenance");
  const fileInput = $("phrase-audio-file");
  const result = $("phrase-audio-result");
  let data = null;

  function report(text, outcome) {
    result.textContent = text;
    result.dataset.outcome = outcome;
  }

  const phraseLabel = (id) => {
    const phrase = data.phrases.find((p) => p.id === id);
    return phrase ? englishText(phrase) : id;
  };
  const languageLabel = (tag) => data.languages.find((l) => l.tag === tag)?.name ?? tag;

  async function remove(phraseId, tag) {
    report("", "");
    try {
      await api("DELETE", `/api/phrasebook/audio/${encodeURIComponent(phraseId)}/${encodeURIComponent(tag)}`);
      report(t("phrase_audio.deleted", { phrase: phraseLabel(phraseId), language: languageLabel(tag) }), "saved");
      await load({ fresh: true });
    } catch (error) {
      report(failure(error), "refused");
    }
  }

  function row(phraseId, tag, [sha256, size]) {
    const element = document.createElement("tr");
    element.dataset.phraseId = phraseId;
    element.dataset.language = tag;
    const name = `${phraseLabel(phraseId)} (${languageLabel(tag)})`;
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "none";
    audio.src = `/phrasebook/audio/${encodeURIComponent(phraseId)}/${encodeURIComponent(tag)}?v=${sha256}`;
    audio.setAttribute("aria-label", t("phrase_audio.play", { recording: name }));
    const remover = button(t("phrase_audio.delete"), () => remove(phraseId, tag));
    remover.setAttribute("aria-label", t("phrase_audio.delete_of", { recording: name }));
    const actions = document.createElement("div");
    actions.className = "actions";
    actions.append(audio, remover);
    element.append(
      cell(phraseLabel(phraseId), "phrase_audio.phrase"),
      cell(languageLabel(tag), "coordinator.language"),
      cell(t("phrase_audio.kilobytes", { size: Math.max(1, Math.round(size / 1024)) }), "phrase_audio.size"),
      cell(actions, "booking.actions"),
    );
    return element;
  }

  function draw() {
    const rows = Object.entries(data.audio ?? {}).flatMap(([phraseId, byLanguage]) =>
      Object.entries(byLanguage).map(([tag, listed]) => row(phraseId, tag, listed)),
    );
    $("phrase-audio").tBodies[0].replaceChildren(...rows);
    $("phrase-audio").hidden = rows.length === 0;
    $("phrase-audio-empty").hidden = rows.length > 0;
  }

  async function load(options) {
    data = await phrasebookData(options);
    if (phraseSelect.options.length === 0) {
      phraseSelect.replaceChildren(...data.phrases.map((p) => new Option(`${englishText(p)} (${p.id})`, p.id)));
      languageSelect.replaceChildren(...languageOptions(data.languages));
    }
    draw();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    report("", "");
    const file = fileInput.files[0];
    if (!file || !provenance.value.trim()) {
      report(t("phrase_audio.incomplete"), "refused");
      (file ? provenance : fileInput).focus();
      return;
    }
    const path =
      `/api/phrasebook/audio/${encodeURIComponent(phraseSelect.value)}/${encodeURIComponent(languageSelect.value)}` +
      `?provenance=${encodeURIComponent(provenance.value.trim())}`;
    try {
      const stored = await postBytes(path, file, file.type || "application/octet-stream");
      report(
        t("phrase_audio.uploaded", {
          phrase: phraseLabel(stored.phrase_id),
          language: languageLabel(stored.language),
          seconds: Number(stored.duration_s).toFixed(1),
        }),
        "saved",
      );
      fileInput.value = "";
      await load({ fresh: true });
    } catch (error) {
      report(t("phrase_audio.refused", { reason: explain(error) }), "refused");
    }
  });
  onLanguageChange(() => data && draw());
  await load().catch((error) => report(failure(error), "refused"));
}
