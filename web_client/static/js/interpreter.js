// The interpreter's console: standby, the incoming ring (sound, details, countdown, accept or decline), the
// call, upcoming bookings to confirm or decline, the weekly availability, and joining a booked session once
// its room is open.
import { api } from "./api.js";
import { Call, localMedia } from "./call.js";
import { renderCallScreen } from "./call_screen.js";
import { onLanguageChange, t } from "./i18n.js";
import { nameOf } from "./languages.js";
import { showBookings } from "./bookings_table.js";
import { DeviceCheck } from "./precall.js";
import { request } from "./socket.js";
import { show, startPage } from "./page.js";
import { mountAvailabilityEditor } from "./availability.js";
import { bookedSessions } from "./room.js";

const { session, socket } = await startPage("interpreter");
const $ = (id) => document.getElementById(id);
let iceServers = [];
let ring = null; // {callId, deadline, timer, tone}
let call = null;
let wantStandby = false;

let presence = null;

function renderPresence(state) {
  presence = state;
  document.body.dataset.presence = state ?? "offline";
  $("presence").textContent = t(`presence.${state ?? "offline"}`);
  $("standby").checked = state === "standby" || state === "ringing";
  $("standby").disabled = state === "in_call" || state === "ringing";
}

const booked = bookedSessions(
  socket,
  { panel: $("room-panel"), title: $("room-title"), details: $("room-details"), join: $("room-join"),
    error: $("room-error"), callPanel: $("call-panel") },
  {
    iceServers: () => iceServers,
    busy: () => call !== null || ring !== null,
    entered: () => showCall(),
    exited: (outcome) => {
      show($("call-panel"), false);
      // Left a relay room that waits for us: no longer held for it (the panel offers to rejoin).
      renderPresence("away");
      if (outcome === "left") {
        $("room-join").focus();
        return;
      }
      $("ended-message").textContent = t(`call.ended.${outcome}`);
      show($("ended-panel"));
      $("ended-panel").focus();
    },
  },
);

socket.on("connect", async () => {
  const info = await request(socket, "session:info");
  iceServers = info.ice_servers;
  renderPresence(info.presence);
  const current = info.active_call;
  await booked.connected(info);
  if (ring) {
    // A ring is released (as a decline) when the socket it reached closes.
    stopRing();
    $("presence").textContent = t("interpreter.missed");
  }
  if (booked.active() || (current && booked.isRoom(current.call_id, info))) {
    // A booked room is taken up again by its own panel (above), not as an on-demand call.
  } else if (call) {
    // Back after a dropped connection: take our side of the call again.
    await call.rejoin().catch(() => lost(call.callId));
  } else if (current?.state === "active" && current.role === "interpreter") {
    await resume(current); // the page was reloaded during a call
  } else if (wantStandby && info.presence !== "standby") {
    renderPresence((await request(socket, "presence:standby", { on: true })).state);
  }
});
socket.on("presence:state", (message) => renderPresence(message.state));
socket.on("disconnect", () => {
  call?.showBanner("self");
  if (!call && !booked.active()) renderPresence("offline");
});

$("standby").addEventListener("change", async () => {
  wantStandby = $("standby").checked;
  try {
    renderPresence((await request(socket, "presence:standby", { on: wantStandby })).state);
  } catch (error) {
    $("presence").textContent = t("error.generic", { message: error.message });
  }
});

// -- the ring ------------------------------------------------------------------------------------------

function startTone() {
  const context = new AudioContext();
  const gain = context.createGain();
  gain.gain.value = 0.08;
  gain.connect(context.destination);
  const beep = () => {
    const oscillator = context.createOscillator();
    oscillator.frequency.value = 880;
    oscillator.connect(gain);
    oscillator.start();
    oscillator.stop(context.currentTime + 0.4);
  };
  beep();
  const timer = setInterval(beep, 1200);
  return () => {
    clearInterval(timer);
    context.close();
  };
}

socket.on("call:ring", async (message) => {
  stopRing();
  const language = await nameOf(message.language);
  $("ring-details").textContent = t("interpreter.ring_details", {
    language,
    organisation: message.organisation,
  });
  ring = {
    callId: message.call_id,
    language: message.language,
    deadline: Date.now() + message.timeout_s * 1000,
    stop: startTone(),
  };
  const tick = () => {
    $("ring-countdown").textContent = String(Math.max(0, Math.ceil((ring.deadline - Date.now()) / 1000)));
  };
  tick();
  ring.timer = setInterval(tick, 250);
  renderPresence("ringing");
  show($("ring-panel"));
  $("accept").focus();
});
socket.on("call:ring-cancelled", (message) => {
  if (!ring || message.call_id !== ring.callId) return;
  stopRing();
  // Cancelled by the caseworker: still on standby; not answered in time: away (presence:state says so too).
  renderPresence(message.reason === "cancelled" ? "standby" : "away");
  $("standby").focus();
});

function stopRing() {
  if (!ring) return;
  clearInterval(ring.timer);
  ring.stop();
  ring = null;
  show($("ring-panel"), false);
}

$("accept").addEventListener("click", async () => {
  if (!ring) return;
  const { callId, language } = ring;
  stopRing();
  let stream;
  try {
    stream = await localMedia(false);
  } catch (error) {
    await request(socket, "call:decline", { call_id: callId }).catch(() => {});
    $("presence").textContent = t(`device.${error.reason}`);
    return;
  }
  // The call listens before it is accepted: the caseworker's offer may overtake the accept's answer.
  startCall(callId, stream, { shown: false, language });
  try {
    await request(socket, "call:accept", { call_id: callId });
  } catch (error) {
    call.close();
    call = null;
    window.rris.call = null;
    renderPresence((await request(socket, "session:info").catch(() => ({ presence: null }))).presence);
    $("presence").textContent = t("interpreter.missed");
    return;
  }
  showCall();
});

function startCall(callId, stream, { shown = true, language = null } = {}) {
  const screen = renderCallScreen($("call-panel"));
  call = new Call(socket, screen.view, { callId, role: "interpreter", iceServers, stream });
  screen.bind(call, () => {}, { language }); // before the accept, session:info does not know the call yet
  window.rris.call = call;
  if (shown) showCall();
}

function showCall() {
  renderPresence("in_call");
  show($("ended-panel"), false);
  show($("call-panel"));
  $("call-panel").focus();
}

/** Back on a call this page was part of before it was reloaded: a new peer connection, offered by the
 * caseworker once they learn (call:peer-rejoined) that we are back. */
async function resume(current) {
  let stream;
  try {
    stream = await localMedia(false);
  } catch (error) {
    $("presence").textContent = t(`device.${error.reason}`);
    return;
  }
  if (call) {
    for (const track of stream.getTracks()) track.stop();
    return;
  }
  startCall(current.call_id, stream);
  await call.rejoin().catch(() => lost(current.call_id));
}

/** The call could not be taken up again: it ended meanwhile; its record says how. */
async function lost(callId) {
  let outcome = "dropped";
  try {
    outcome = (await api("GET", `/api/calls/${callId}`)).outcome || outcome;
  } catch {
    // No record to read: say the connection was lost.
  }
  if (call && call.callId === callId) finishCall(outcome);
}

$("decline").addEventListener("click", async () => {
  if (!ring) return;
  const { callId, language } = ring;
  stopRing();
  await request(socket, "call:decline", { call_id: callId }).catch(() => {});
  renderPresence("standby");
  $("standby").focus();
});

socket.on("call:ended", (message) => {
  if (call && message.call_id === call.callId) finishCall(message.outcome);
});

function finishCall(outcome) {
  call?.close();
  call = null;
  window.rris.call = null;
  show($("call-panel"), false);
  $("ended-message").textContent = t(`call.ended.${outcome}`);
  show($("ended-panel"));
  $("ended-panel").focus();
}
$("ended-close").addEventListener("click", () => {
  show($("ended-panel"), false);
  $("standby").focus();
});

// -- device check ----------------------------------------------------------------------------------------

const check = new DeviceCheck({ preview: $("device-preview"), meter: $("device-meter"), message: $("device-message") });
$("device-start").addEventListener("click", () => check.start());
$("device-stop").addEventListener("click", () => check.stop());

// -- bookings offered to me ------------------------------------------------------------------------------

const listOffers = () =>
  showBookings($("offers").tBodies[0], (booking) =>
    booking.state === "offered" ? [{ verb: "accept", body: { version: booking.version } }, { verb: "decline" }] : [],
  );

socket.on("notification", () => listOffers());
onLanguageChange(() => {
  renderPresence(presence);
  listOffers();
  mountAvailabilityEditor($("availability-editor"), session.user.id);
});
await listOffers();
await mountAvailabilityEditor($("availability-editor"), session.user.id);
document.body.dataset.ready = "true";
