// Consented recordings in the console: the organisation's recording policy (set by its own coordinators)
// and its recorded calls, each with its tracks to play and its audit log. The server audits every opening
// and every play; the audio streams straight from it into <audio> with the session cookie.
import { api } from "./api.js";
import { language, onLanguageChange, t } from "./i18n.js";
import { button, cell, dateTime, duration, failure, languageName } from "./coordinator_dom.js";

const MAX_RETENTION_DAYS = 3650;
const DEFAULT_RETENTION_DAYS = 30;
const SEATS = ["caseworker", "interpreter", "relay_interpreter"];
const $ = (id) => document.getElementById(id);

function when(iso) {
  return iso ? dateTime(iso) : "—";
}

function preciseTime(iso) {
  return new Date(iso).toLocaleString(language(), { dateStyle: "medium", timeStyle: "medium" });
}

function seatName(seat) {
  return SEATS.includes(seat) ? t(`room.role.${seat}`) : seat;
}

/** Whether the user oversees every authority (the operator's coordinators and admins): the session says.
 * An admin of an authority does not set its policy either (its coordinators do). */
function overseesAll(session) {
  return session.user.role === "admin" || Boolean(session.user.sees_all_organisations);
}

// -- the policy ------------------------------------------------------------------------------------------

async function mountPolicy(session) {
  const form = $("policy-form");
  const allowed = $("policy-allowed");
  const retention = $("policy-retention");
  const result = $("policy-result");
  const path = `/api/organisations/${encodeURIComponent(session.user.organisation.id)}/recording-policy`;

  function report(text, outcome) {
    result.textContent = text;
    result.dataset.outcome = outcome;
  }

  if (overseesAll(session)) {
    // Each authority decides for itself; the operator's own "policy" would mean nothing.
    form.hidden = true;
    $("policy-readonly").hidden = false;
    return;
  }

  function show(policy) {
    allowed.checked = policy.allowed;
    retention.value = String(policy.retention_days ?? DEFAULT_RETENTION_DAYS);
    form.dataset.loaded = "true";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    report("", "");
    const days = Number(retention.value);
    if (!retention.value || !Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      retention.setAttribute("aria-invalid", "true");
      report(t("recordings.retention_invalid"), "refused");
      retention.focus();
      return;
    }
    retention.removeAttribute("aria-invalid");
    try {
      const saved = await api("PUT", path, { allowed: allowed.checked, retention_days: days });
      show(saved);
      report(
        saved.allowed ? t("recordings.saved_allowed", { days: saved.retention_days }) : t("recordings.saved_off"),
        "saved",
      );
    } catch (error) {
      report(t("recordings.not_saved", { reason: failure(error) }), "refused");
    }
  });
  retention.addEventListener("input", () => retention.removeAttribute("aria-invalid"));

  try {
    show(await api("GET", path));
  } catch (error) {
    report(failure(error), "refused");
  }
}

// -- the recorded calls ----------------------------------------------------------------------------------

function trackItem(recording, track) {
  const item = document.createElement("li");
  item.dataset.trackId = track.id;
  item.dataset.seat = track.seat;
  const name = document.createElement("span");
  name.className = "track-name";
  const seconds = track.ended_at ? (Date.parse(track.ended_at) - Date.parse(track.started_at)) / 1000 : null;
  name.textContent = seconds === null ? seatName(track.seat) : `${seatName(track.seat)} · ${duration(seconds)}`;
  item.append(name);
  if (recording.state === "complete" && track.ended_at) {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "none"; // fetching is playing: the server audits it, so only on the user's request
    audio.src = `/api/recordings/${encodeURIComponent(recording.id)}/tracks/${encodeURIComponent(track.id)}`;
    audio.setAttribute("aria-label", t("recordings.track_label", { seat: seatName(track.seat) }));
    item.append(audio);
  }
  return item;
}

function auditRow(entry) {
  const row = document.createElement("tr");
  row.dataset.action = entry.action;
  const key = `recordings.action.${entry.action}`;
  const action = t(key) === key ? entry.action : t(key);
  const detail = SEATS.includes(entry.detail) ? seatName(entry.detail) : entry.detail || "—";
  row.append(
    cell(preciseTime(entry.at), "recordings.audit_at"),
    cell(action, "recordings.audit_action"),
    cell(detail, "recordings.audit_detail"),
  );
  return row;
}

export async function mountRecordings(session) {
  await mountPolicy(session).catch((error) => ($("policy-result").textContent = failure(error)));

  const result = $("recordings-result");
  const panel = $("recording-detail");
  let recordings = [];
  // What the panel shows: one recording (as listed, then as opened) and, once asked for, its audit log.
  let open = null;

  function label(recording) {
    return `${when(recording.started_at)}, ${languageName(recording.language)}`;
  }

  function drawPanel() {
    if (open === null) {
      panel.hidden = true;
      return;
    }
    const { recording, tracks, entries } = open;
    panel.hidden = false;
    panel.dataset.recordingId = recording.id;
    panel.dataset.state = recording.state;
    $("recording-detail-title").textContent = t("recordings.detail_title", { recording: label(recording) });
    $("recording-detail-summary").textContent =
      recording.state === "deleted"
        ? t("recordings.summary_deleted", { when: when(recording.deleted_at) })
        : recording.state === "recording"
          ? t("recordings.summary_recording")
          : t("recordings.summary_complete", { ended: when(recording.ended_at), expires: when(recording.expires_at) });
    const list = $("recording-tracks");
    const none = $("recording-no-tracks");
    if (tracks === null || recording.state === "deleted") {
      list.replaceChildren();
      list.hidden = true;
      none.hidden = true;
    } else {
      list.replaceChildren(...tracks.map((track) => trackItem(recording, track)));
      list.hidden = tracks.length === 0;
      none.textContent = t("recordings.no_tracks");
      none.hidden = tracks.length > 0;
    }
    $("recording-audit-title").hidden = entries === null;
    $("recording-audit").hidden = entries === null;
    $("recording-audit").tBodies[0].replaceChildren(...(entries ?? []).map(auditRow));
  }

  function reveal() {
    drawPanel();
    panel.focus();
  }

  async function details(listed) {
    result.textContent = "";
    try {
      const shown = await api("GET", `/api/recordings/${encodeURIComponent(listed.id)}`);
      const { tracks, ...recording } = shown;
      const entries = open?.recording.id === listed.id ? open.entries : null;
      open = { recording, tracks, entries };
      reveal();
    } catch (error) {
      result.textContent = failure(error);
    }
  }

  async function audit(listed) {
    result.textContent = "";
    try {
      const { entries } = await api("GET", `/api/recordings/${encodeURIComponent(listed.id)}/audit`);
      const same = open?.recording.id === listed.id;
      open = { recording: same ? open.recording : listed, tracks: same ? open.tracks : null, entries };
      reveal();
    } catch (error) {
      result.textContent = failure(error);
    }
  }

  function row(recording) {
    const element = document.createElement("tr");
    element.dataset.recordingId = recording.id;
    element.dataset.state = recording.state;
    const actions = document.createElement("div");
    actions.className = "actions";
    const show = button(t("recordings.details"), () => details(recording));
    show.setAttribute("aria-label", t("recordings.details_of", { recording: label(recording) }));
    const log = button(t("recordings.audit"), () => audit(recording));
    log.setAttribute("aria-label", t("recordings.audit_of", { recording: label(recording) }));
    actions.append(show, log);
    const state = document.createElement("span");
    state.className = `recording-state recording-${recording.state}`;
    state.textContent = t(`recordings.state.${recording.state}`);
    element.append(
      cell(when(recording.started_at), "recordings.started"),
      cell(languageName(recording.language), "coordinator.language"),
      cell(state, "recordings.state"),
      cell(when(recording.deleted_at ?? recording.expires_at), "recordings.expires"),
      cell(actions, "booking.actions"),
    );
    return element;
  }

  function draw() {
    const rows = [...recordings]
      .sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at))
      .map(row);
    $("recordings").tBodies[0].replaceChildren(...rows);
    $("recordings").hidden = rows.length === 0;
    $("recordings-empty").hidden = rows.length > 0;
  }

  async function list() {
    recordings = (await api("GET", "/api/recordings")).recordings;
    draw();
    const fresh = open && recordings.find((r) => r.id === open.recording.id);
    if (fresh && fresh.state !== open.recording.state) {
      open = { ...open, recording: fresh, tracks: fresh.state === "deleted" ? null : open.tracks };
      drawPanel();
    }
  }

  $("recordings-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    list().catch((error) => (result.textContent = failure(error)));
  });
  onLanguageChange(() => {
    draw();
    drawPanel();
  });
  await list().catch((error) => (result.textContent = failure(error)));
}
