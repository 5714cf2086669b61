// The call screen both caseworkers and interpreters see: remote and local video, the controls and the
// quality indicator. It builds its markup into a container so both consoles share one implementation. A booked
// room's screen has one captioned remote video per other seat (two in a relay room).
import { apply } from "./i18n.js";
import { GlossaryPanel } from "./glossary_panel.js";
import { RecordingControl } from "./recording.js";
import { request } from "./socket.js";

const REMOTE = `<video id="remote-video" autoplay playsinline data-i18n-label="call.remote_video"></video>`;
const SEAT = (role) => `
    <figure class="seat" data-role="${role}">
      <video id="remote-video-${role}" autoplay playsinline data-i18n-label="room.role.${role}"></video>
      <figcaption data-i18n="room.role.${role}"></figcaption>
      <p class="seat-status" role="status" hidden></p>
    </figure>`;
const MARKUP = (remotes) => `
  <div class="banner" id="reconnecting" role="status" aria-live="assertive" hidden></div>
  <div class="videos${remotes ? " seats" : ""}">
    ${remotes ? remotes.map(SEAT).join("") : REMOTE}
    <video id="local-video" autoplay playsinline muted data-i18n-label="call.local_video"></video>
  </div>
  <p class="quality" id="quality" role="status" aria-live="polite" data-level="unknown"></p>
  <p class="call-notice" id="call-notice" role="status" aria-live="polite" hidden></p>
  <div class="controls" role="group" data-i18n-label="call.controls">
    <button type="button" id="mute" aria-pressed="false" data-i18n="call.mute"></button>
    <button type="button" id="camera" aria-pressed="false" data-i18n="call.camera_off"></button>
    <button type="button" id="audio-only" aria-pressed="false" data-i18n="call.audio_only"></button>
    <button type="button" id="hangup" class="danger" data-i18n="call.hang_up"></button>
  </div>
  <div class="recording" role="group" data-i18n-label="recording.controls">
    <p class="recording-indicator" id="recording-indicator" role="status" aria-live="assertive"
       data-i18n="recording.on" hidden></p>
    <p class="recording-status" id="recording-status" role="status" aria-live="polite" hidden></p>
    <div class="recording-confirm" id="recording-confirm" hidden>
      <p data-i18n="recording.confirm"></p>
      <button type="button" id="recording-confirm-ask" data-i18n="recording.confirm_ask"></button>
      <button type="button" id="recording-cancel" data-i18n="recording.cancel"></button>
    </div>
    <div class="recording-consent" id="recording-consent" role="alertdialog" aria-labelledby="recording-asked" hidden>
      <p id="recording-asked" data-i18n="recording.asked"></p>
      <button type="button" id="recording-agree" data-i18n="recording.agree"></button>
      <button type="button" id="recording-decline" data-i18n="recording.decline"></button>
    </div>
    <button type="button" id="record" data-i18n="recording.ask" hidden></button>
    <button type="button" id="record-stop" class="danger" data-i18n="recording.stop" hidden></button>
  </div>
  <details class="glossary-panel" id="glossary-panel" hidden>
    <summary data-i18n="glossary.title"></summary>
    <p class="glossary-languages">
      <label><span data-i18n="glossary.second_language"></span> <select id="glossary-second"></select></label>
      <label><span data-i18n="glossary.filter"></span> <input type="search" id="glossary-filter"></label>
    </p>
    <table class="glossary-terms">
      <thead><tr><th scope="col" id="glossary-call-language"></th><th scope="col" id="glossary-second-name"></th></tr></thead>
      <tbody id="glossary-rows"></tbody>
    </table>
    <p id="glossary-empty" data-i18n="glossary.none_match" hidden></p>
  </details>`;

/** The language of call ``callId`` in session:info's answer (its live call, or one of its booked rooms). */
function callLanguage(info, callId) {
  if (!info) return null;
  const calls = [info.active_call, ...(info.rooms || [])].filter(Boolean);
  return calls.find((call) => call.call_id === callId)?.language ?? null;
}

function toggle(button, onChange) {
  button.addEventListener("click", async () => {
    const pressed = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(pressed));
    await onChange(pressed);
  });
}

/** Render the screen into ``container``; returns the view the Call (or Room) needs and a binder for the
 * controls. ``remotes``: the other seats' roles, for a booked room. */
export function renderCallScreen(container, { remotes = null } = {}) {
  container.innerHTML = MARKUP(remotes);
  apply(container);
  const view = {
    remote: container.querySelector("video:not(#local-video)"),
    remotes: Object.fromEntries(
      (remotes || []).map((role) => [role, container.querySelector(`.seat[data-role="${role}"]`)]),
    ),
    local: container.querySelector("#local-video"),
    quality: container.querySelector("#quality"),
    banner: container.querySelector("#reconnecting"),
    audioOnly: container.querySelector("#audio-only"),
    notice: container.querySelector("#call-notice"),
  };
  const recording = {
    indicator: container.querySelector("#recording-indicator"),
    status: container.querySelector("#recording-status"),
    confirmPanel: container.querySelector("#recording-confirm"),
    confirm: container.querySelector("#recording-confirm-ask"),
    cancel: container.querySelector("#recording-cancel"),
    consent: container.querySelector("#recording-consent"),
    agree: container.querySelector("#recording-agree"),
    decline: container.querySelector("#recording-decline"),
    ask: container.querySelector("#record"),
    stop: container.querySelector("#record-stop"),
  };
  const glossary = new GlossaryPanel({
    panel: container.querySelector("#glossary-panel"),
    callLanguage: container.querySelector("#glossary-call-language"),
    second: container.querySelector("#glossary-second"),
    secondName: container.querySelector("#glossary-second-name"),
    filter: container.querySelector("#glossary-filter"),
    rows: container.querySelector("#glossary-rows"),
    empty: container.querySelector("#glossary-empty"),
  });
  /** ``language``: the call's, when the page knows it before session:info does (an interpreter accepting). */
  const bind = (call, onHangUp, { language = null } = {}) => {
    const info = request(call.socket, "session:info").catch(() => null);
    call.recording = new RecordingControl(call, recording, info);
    call.glossary = glossary;
    info.then((answer) => {
      const known = language ?? callLanguage(answer, call.callId);
      if (known) glossary.load(known);
    });
    toggle(container.querySelector("#mute"), (on) => call.setMuted(on));
    toggle(container.querySelector("#camera"), (on) => call.setCameraOff(on));
    toggle(container.querySelector("#audio-only"), (on) => call.setAudioOnly(on));
    container.querySelector("#hangup").addEventListener("click", async () => {
      onHangUp(await call.hangUp());
    });
  };
  return { view, bind };
}
