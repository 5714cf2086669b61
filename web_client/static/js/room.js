// Booked rooms in the consoles: the "your booked session is open" panel (from room:open, or session:info's
// rooms after a reload), and the Room, a mesh of one Call per other seat sharing the local stream and screen.
//
// Who offers in each pair is the seat order (`participants` of a relay room; a two-party room carries none,
// and there the caseworker offers, as in an on-demand call): the one listed earlier offers when it joins to
// every later seat present, and again whenever call:peer-rejoined names a later seat; the later one answers.
import { Call, localMedia } from "./call.js";
import { renderCallScreen } from "./call_screen.js";
import { onLanguageChange, t } from "./i18n.js";
import { nameOf } from "./languages.js";
import { request } from "./socket.js";
import { show } from "./page.js";

const TWO_SEATS = ["caseworker", "interpreter"];

export class Room {
  /**
   * @param view the call screen's view, rendered with one remote seat per other role
   * @param info {callId, role, participants, iceServers, stream}
   */
  constructor(socket, view, { callId, role, participants, iceServers, stream }) {
    this.socket = socket;
    this.view = view;
    this.callId = callId;
    this.role = role;
    this.stream = stream;
    this.iceServers = iceServers || [];
    this.seats = participants?.length ? participants : TWO_SEATS;
    this.calls = {};
    this.ended = false;
    const mine = this.seats.indexOf(role);
    for (const [index, peer] of this.others().entries()) {
      const seat = view.remotes[peer];
      // The audio-only button and the notice are the room's: any pair switched by a poor link shows it there.
      const pair = {
        local: view.local,
        remote: seat.querySelector("video"),
        banner: view.banner,
        audioOnly: view.audioOnly,
        notice: view.notice,
      };
      if (index === 0) pair.quality = view.quality; // one indicator: the first pair's
      this.calls[peer] = new Call(socket, pair, {
        callId,
        role,
        iceServers,
        stream,
        peer,
        offerer: mine < this.seats.indexOf(peer),
        ownsStream: false,
      });
    }
    this.handlers = {
      "call:peer-left": (message) => this.concerns(message) && this.markLeft(message.role, true),
      "call:peer-rejoined": (message) => this.concerns(message) && this.markLeft(message.role, false),
    };
    for (const [event, handler] of Object.entries(this.handlers)) socket.on(event, handler);
  }

  others() {
    return this.seats.filter((seat) => seat !== this.role);
  }

  concerns(message) {
    return message.call_id === this.callId && message.role in this.calls;
  }

  /** Take our seat (``again``: after our socket came back, so the pairs we offer in restart ICE). */
  async join({ again = false } = {}) {
    const answer = await request(this.socket, "room:join", { call_id: this.callId });
    const present = answer.present ?? (answer.peer_present ? this.seats : [this.role]);
    for (const [peer, call] of Object.entries(this.calls)) {
      call.hideBanner("self");
      if (!present.includes(peer)) {
        if (again) call.showBanner("peer");
        continue;
      }
      call.hideBanner("peer");
      if (call.offerer) call.offer({ iceRestart: again });
    }
    return answer;
  }

  markLeft(role, left) {
    const status = this.view.remotes[role].querySelector(".seat-status");
    status.hidden = !left;
    status.dataset.i18n = "room.peer_left";
    status.textContent = left ? t("room.peer_left") : "";
  }

  showBanner(cause) {
    for (const call of Object.values(this.calls)) call.showBanner(cause);
  }

  setMuted(muted) {
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  setCameraOff(off) {
    for (const track of this.stream.getVideoTracks()) track.enabled = !off;
  }

  async setAudioOnly(audioOnly) {
    await Promise.all(Object.values(this.calls).map((call) => call.setAudioOnly(audioOnly)));
  }

  /** Hang up: the room's answer says whether we only left it (an interpreter in a relay room). */
  async hangUp() {
    const answer = await request(this.socket, "call:hangup", { call_id: this.callId }).catch(() => ({}));
    this.close();
    return answer;
  }

  close() {
    if (this.ended) return;
    this.ended = true;
    for (const [event, handler] of Object.entries(this.handlers)) this.socket.off(event, handler);
    for (const call of Object.values(this.calls)) call.close();
    for (const track of this.stream.getTracks()) track.stop();
    this.view.local.srcObject = null;
    if (this.view.banner) this.view.banner.hidden = true;
  }
}

/**
 * The booked-session panel of a console and the room it leads to.
 * @param elements {panel, details, join, error, callPanel}
 * @param hooks {iceServers(), busy(), entered(room), exited(outcome | "left")}
 */
export function bookedSessions(socket, elements, hooks) {
  let open = null; // the room offered in the panel: room:open's or session:info's payload
  let left = false; // we hung up a relay room that waits for us
  let room = null;

  async function render() {
    if (!open || room) {
      show(elements.panel, false);
      return;
    }
    const closes = new Date(open.closes_at).toLocaleTimeString(document.documentElement.lang, {
      timeStyle: "short",
    });
    elements.title.textContent = t(left ? "room.left" : "room.open_title");
    elements.details.textContent = t("room.details", {
      language: await nameOf(open.language),
      organisation: open.organisation,
      closes_at: closes,
    });
    elements.join.textContent = t(left ? "room.rejoin" : "room.join");
    show(elements.panel);
  }

  function offer(message) {
    if (room?.callId === message.call_id) return;
    if (open?.call_id !== message.call_id) left = false;
    open = message;
    render();
  }

  async function join() {
    if (!open || room || hooks.busy()) return;
    elements.error.textContent = "";
    let stream;
    try {
      stream = await localMedia(false);
    } catch (error) {
      elements.error.textContent = t(`device.${error.reason}`);
      return;
    }
    const remotes = (open.participants || TWO_SEATS).filter((seat) => seat !== open.role);
    const screen = renderCallScreen(elements.callPanel, { remotes });
    room = new Room(socket, screen.view, {
      callId: open.call_id,
      role: open.role,
      participants: open.participants,
      iceServers: hooks.iceServers(),
      stream,
    });
    screen.bind(room, (answer) => exit(answer?.left ? "left" : "completed"));
    try {
      await room.join();
    } catch (error) {
      room.close();
      room = null;
      if (error.code === "not_found") open = null;
      elements.error.textContent = t("room.join_failed", { message: error.message });
      render();
      return;
    }
    left = false;
    window.rris.room = room;
    // Two-party rooms are one Call, like an on-demand call (the page's tools read window.rris.call).
    const calls = Object.values(room.calls);
    window.rris.call = calls.length === 1 ? calls[0] : null;
    render();
    hooks.entered(room);
  }

  function exit(outcome) {
    if (!room) return;
    room.close();
    room = null;
    window.rris.room = null;
    window.rris.call = null;
    left = outcome === "left";
    if (!left) open = null;
    render();
    hooks.exited(outcome);
  }

  elements.join.addEventListener("click", join);
  socket.on("room:open", offer);
  socket.on("call:ended", (message) => {
    if (room?.callId === message.call_id) exit(message.outcome);
    else if (open?.call_id === message.call_id) {
      open = null;
      render();
    }
  });
  socket.on("disconnect", () => room?.showBanner("self"));
  onLanguageChange(() => render());

  return {
    /** session:info's rooms (on every connect): offer the first, or take our seat again if we hold one. */
    async connected(info) {
      const rooms = info.rooms || [];
      if (room) {
        await room.join({ again: true }).catch((error) => error.code === "not_found" && exit("dropped"));
        return;
      }
      const still = rooms.find((r) => r.call_id === open?.call_id);
      if (still) offer(still);
      else if (rooms.length) {
        left = false;
        offer(rooms[0]);
      } else {
        open = null;
        render();
      }
    },
    /** Whether a call id (session:info's active_call) is one of our booked rooms, not an on-demand call. */
    isRoom(callId, info) {
      return (info.rooms || []).some((r) => r.call_id === callId) || room?.callId === callId;
    },
    active: () => room !== null,
  };
}
