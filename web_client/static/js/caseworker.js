// The caseworker's console: an interpreter now (request, ringing, the call, the rating), the device check,
// bookings for later, and joining a booked session once its room is open.
import { api, newIdempotencyKey } from "./api.js";
import { Call, localMedia } from "./call.js";
import { renderCallScreen } from "./call_screen.js";
import { onLanguageChange, t } from "./i18n.js";
import { bindPicker, nameOf } from "./languages.js";
import { showBookings } from "./bookings_table.js";
import { DeviceCheck } from "./precall.js";
import { request } from "./socket.js";
import { elapsed, show, startPage } from "./page.js";
import { bookedSessions } from "./room.js";

const { socket } = await startPage("caseworker");
const $ = (id) => document.getElementById(id);
const panels = ["request-panel", "ringing-panel", "unavailable-panel", "call-panel", "ended-panel"];
let iceServers = [];
let live = null; // {callId, since, timer, stream, language, call, cancelling}
// A hang-up here ends the call on this page at once; the server writes the call's record meanwhile, then
// says call:ended. A rating waits for that word, since it rates the record.
let hungUp = null; // {callId, recorded: Promise, confirm}
const RECORD_WAIT_MS = 10000; // as long as the hang-up request itself may take

function only(...visible) {
  for (const id of panels) show($(id), visible.includes(id));
}

const booked = bookedSessions(
  socket,
  { panel: $("room-panel"), title: $("room-title"), details: $("room-details"), join: $("room-join"),
    error: $("room-error"), callPanel: $("call-panel") },
  {
    iceServers: () => iceServers,
    busy: () => live !== null,
    entered: () => {
      only("call-panel");
      $("call-panel").focus();
    },
    exited: (outcome) => {
      // A booked session has no call record to rate: its trace is the booking.
      $("ended-message").textContent = t(`call.ended.${outcome}`);
      show($("rating"), false);
      show($("rating-thanks"), false);
      only("ended-panel");
      $("ended-panel").focus();
    },
  },
);

// -- the socket ---------------------------------------------------------------------------------------

socket.on("connect", async () => {
  const info = await request(socket, "session:info");
  iceServers = info.ice_servers;
  const current = info.active_call;
  await booked.connected(info);
  if (booked.active() || (current && booked.isRoom(current.call_id, info))) {
    // A booked room is taken up again by its own panel (above), not as an on-demand call.
  } else if (live?.call) {
    // Back after a dropped connection: take our side of the call again (and restart ICE).
    await live.call.rejoin().catch(() => lost(live.callId));
  } else if (!live && current?.state === "active" && current.role === "caseworker") {
    // The page was reloaded during a call (or the call was accepted just as the connection dropped).
    await resume(current);
  }
});
socket.on("disconnect", () => {
  if (live?.call) {
    live.call.showBanner("self");
  } else if (live?.callId) {
    // The server cancels a request whose caseworker's connection closes before an interpreter accepts.
    endLocally("cancelled");
    $("request-error").textContent = t("caseworker.connection_lost");
  }
});
socket.on("call:status", (message) => {
  if (!live || (live.callId !== null && message.call_id !== live.callId)) return;
  live.callId = message.call_id; // may come before the answer to call:request
  $("ringing-attempt").textContent = String(message.attempt);
});
socket.on("call:accepted", (message) => {
  if (live && (live.callId === null || message.call_id === live.callId)) startCall(message.call_id);
});
socket.on("call:ended", (message) => {
  if (hungUp?.callId === message.call_id) confirmHangUp(message);
  if (live && (live.callId === null || message.call_id === live.callId)) endLocally(message.outcome);
});

// -- request now ---------------------------------------------------------------------------------------

await bindPicker($("language-search"), $("language"));
const chooseBookingLanguage = await bindPicker($("booking-language-search"), $("booking-language"));

$("request-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("request-error").textContent = "";
  const language = $("language").value;
  if (!language || live) return;
  let stream;
  try {
    stream = await localMedia(false);
  } catch (error) {
    $("request-error").textContent = t(`device.${error.reason}`);
    return;
  }
  live = { callId: null, since: Date.now(), stream, language, call: null, cancelling: false };
  $("ringing-attempt").textContent = "0";
  $("ringing-elapsed").textContent = elapsed(live.since);
  live.timer = setInterval(() => ($("ringing-elapsed").textContent = elapsed(live.since)), 500);
  only("ringing-panel");
  $("cancel-request").focus();
  const asked = live;
  try {
    const payload = { language };
    if ($("gender").value) payload.gender = $("gender").value;
    const answer = await request(socket, "call:request", payload);
    if (live !== asked) return; // already over (ended or accepted) by the time the answer came
    live.callId = answer.call_id;
    if (answer.attempt) $("ringing-attempt").textContent = String(answer.attempt);
    if (answer.state === "ended") endLocally("no_interpreter");
    else if (live.cancelling) await cancel();
  } catch (error) {
    if (live !== asked) return;
    stopLive();
    only("request-panel");
    $("request-error").textContent = t(`error.${error.code}`, { message: error.message });
  }
});

async function cancel() {
  if (!live || live.call) return;
  live.cancelling = true; // before the request's answer there is no call id yet: cancelled on its arrival
  if (live.callId) await request(socket, "call:cancel", { call_id: live.callId }).catch(() => {});
}
$("cancel-request").addEventListener("click", cancel);

function startCall(callId, { resumed = false } = {}) {
  if (!live || live.call) return;
  live.callId = callId;
  clearInterval(live.timer);
  only("call-panel");
  const screen = renderCallScreen($("call-panel"));
  live.call = new Call(socket, screen.view, { callId, role: "caseworker", iceServers, stream: live.stream });
  screen.bind(live.call, () => {});
  // After the screen's own listener has sent call:hangup; the panel does not wait for the server's answer.
  $("hangup").addEventListener("click", () => hangUp(callId));
  window.rris.call = live.call;
  $("call-panel").focus();
  if (resumed) live.call.rejoin().catch(() => lost(callId));
  else live.call.offer();
}

/** Back on a call this page was part of before it was reloaded. */
async function resume(current) {
  let stream;
  try {
    stream = await localMedia(false);
  } catch (error) {
    $("request-error").textContent = t(`device.${error.reason}`);
    return;
  }
  if (live) {
    for (const track of stream.getTracks()) track.stop();
    return;
  }
  live = { callId: current.call_id, since: Date.now(), stream, language: current.language, call: null };
  startCall(current.call_id, { resumed: true });
}

/** The call could not be taken up again: it ended meanwhile; its record says how. */
async function lost(callId) {
  let outcome = "dropped";
  try {
    outcome = (await api("GET", `/api/calls/${callId}`)).outcome || outcome;
  } catch {
    // No record to read: say the connection was lost.
  }
  if (live && live.callId === callId) endLocally(outcome);
}

/** The caseworker hung up: the call ends on this page now, the server's call:ended follows. */
function hangUp(callId) {
  if (!live || live.callId !== callId) return;
  let confirm;
  const recorded = new Promise((resolve) => (confirm = resolve));
  hungUp = { callId, recorded, confirm };
  endLocally("completed");
}

/** The server ended the call this page hung up, and wrote its record; had the call ended otherwise just
 * before (dropped), the panel says so and offers no rating. */
function confirmHangUp(message) {
  hungUp.confirm();
  if (message.outcome === "completed" || $("rating").dataset.callId !== message.call_id) return;
  $("ended-message").textContent = t(`call.ended.${message.outcome}`);
  show($("rating"), false);
}

/** Until the server has the record of a call this page hung up (or the hang-up's own time is up). */
async function recorded(callId) {
  if (hungUp?.callId !== callId) return;
  await Promise.race([hungUp.recorded, new Promise((resolve) => setTimeout(resolve, RECORD_WAIT_MS))]);
}

async function endLocally(outcome) {
  const ended = live;
  stopLive();
  if (outcome === "no_interpreter") {
    $("unavailable-message").textContent = t("caseworker.unavailable", { language: await nameOf(ended.language) });
    $("book-instead").onclick = () => {
      chooseBookingLanguage(ended.language);
      only("request-panel");
      $("booking-date").focus();
    };
    only("unavailable-panel");
    $("book-instead").focus();
    return;
  }
  if (outcome === "cancelled") {
    only("request-panel");
    $("request-button").focus();
    return;
  }
  $("ended-message").textContent = t(`call.ended.${outcome}`);
  $("rating").dataset.callId = ended?.callId ?? "";
  $("rating-error").textContent = "";
  for (const button of $("rating").querySelectorAll("button")) button.disabled = false;
  show($("rating"), outcome === "completed");
  show($("rating-thanks"), false);
  only("ended-panel");
  $("ended-panel").focus();
}

function stopLive() {
  if (!live) return;
  clearInterval(live.timer);
  if (live.call) live.call.close();
  else for (const track of live.stream.getTracks()) track.stop();
  live = null;
  window.rris.call = null;
}

$("unavailable-close").addEventListener("click", () => {
  only("request-panel");
  $("request-button").focus();
});
$("ended-close").addEventListener("click", () => {
  only("request-panel");
  $("request-button").focus();
});

function labelRating() {
  for (const button of $("rating").querySelectorAll("button")) {
    button.setAttribute("aria-label", t(`rating.score.${button.dataset.score}`));
  }
}
labelRating();
onLanguageChange(labelRating);

for (const button of $("rating").querySelectorAll("button")) {
  button.addEventListener("click", async () => {
    const callId = $("rating").dataset.callId;
    const buttons = [...$("rating").querySelectorAll("button")];
    for (const each of buttons) each.disabled = true; // one rating per call
    $("rating-error").textContent = "";
    try {
      await recorded(callId);
      await api("POST", `/api/calls/${callId}/rating`, { score: Number(button.dataset.score) });
      show($("rating"), false);
      show($("rating-thanks"), true);
      $("ended-close").focus();
    } catch (error) {
      for (const each of buttons) each.disabled = false;
      $("rating-error").textContent = t("rating.failed", { message: error.message });
    }
  });
}

// -- device check --------------------------------------------------------------------------------------

const check = new DeviceCheck({ preview: $("device-preview"), meter: $("device-meter"), message: $("device-message") });
$("device-start").addEventListener("click", () => check.start());
$("device-stop").addEventListener("click", () => check.stop());

// -- bookings ------------------------------------------------------------------------------------------

const tomorrow = new Date(Date.now() + 86400000);
$("booking-date").value = tomorrow.toISOString().slice(0, 10);
$("booking-time").value = "09:00";

function offsetIso(date, time) {
  const local = new Date(`${date}T${time}:00`);
  const minutes = -local.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, "0");
  const mm = String(Math.abs(minutes) % 60).padStart(2, "0");
  return `${date}T${time}:00${sign}${hh}:${mm}`;
}

$("booking-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    language: $("booking-language").value,
    start: offsetIso($("booking-date").value, $("booking-time").value),
    duration_min: Number($("booking-duration").value),
    modality: $("booking-modality").value,
  };
  if ($("booking-dialect").value.trim()) body.dialect = $("booking-dialect").value.trim();
  if ($("booking-gender").value) body.gender = $("booking-gender").value;
  try {
    const booking = await api("POST", "/api/bookings", body, { "Idempotency-Key": newIdempotencyKey() });
    $("booking-result").textContent = t("booking.made", { state: t(`booking.state.${booking.state}`) });
    await listBookings();
  } catch (error) {
    $("booking-result").textContent = t("error.generic", { message: error.message });
  }
});

const CANCELLABLE = ["requested", "offered", "confirmed"];
const listBookings = () =>
  showBookings($("bookings").tBodies[0], (booking) =>
    CANCELLABLE.includes(booking.state) ? [{ verb: "cancel" }] : [],
  );

onLanguageChange(() => listBookings());
await listBookings();
document.body.dataset.ready = "true";
