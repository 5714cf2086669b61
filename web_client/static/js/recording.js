// Consented recording on the call screen. The caseworker may ask (only where their organisation allows it),
// confirming that the applicant agreed; everyone else in the call is asked to agree or decline. Only once
// the server says "recording" does this page send its microphone to the server's recorder, on a separate
// audio-only peer connection (POST /api/calls/{id}/recording/legs); everyone sees the indicator while it
// runs, and anyone can stop it. The leg closes when recording stops or the call ends.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { request } from "./socket.js";
import { gathered } from "./gathering.js";

export class RecordingControl {
  /**
   * @param call the Call or Room: {socket, callId, role, stream, iceServers}
   * @param elements the call screen's recording elements (see call_screen.js)
   * @param info a promise of session:info's answer (or null)
   */
  constructor(call, elements, info) {
    this.call = call;
    this.socket = call.socket;
    this.callId = call.callId;
    this.role = call.role;
    this.el = elements;
    this.state = null;
    this.allowed = false; // may this user ask (session:info's recording_allowed)
    this.leg = null; // {pc, id}
    this.opening = null;
    this.disposed = false;
    this.handlers = {
      "recording:state": (message) => message.call_id === this.callId && this.show(message),
      "call:ended": (message) => message.call_id === this.callId && this.dispose(),
    };
    for (const [event, handler] of Object.entries(this.handlers)) this.socket.on(event, handler);
    this.el.ask.addEventListener("click", () => this.confirmAsk(true));
    this.el.cancel.addEventListener("click", () => this.confirmAsk(false));
    this.el.confirm.addEventListener("click", () => this.ask());
    this.el.agree.addEventListener("click", () => this.answer(true));
    this.el.decline.addEventListener("click", () => this.answer(false));
    this.el.stop.addEventListener("click", () => this.stop());
    this.load(info);
  }

  /** Whether this user may ask (caseworkers of organisations that allow it), and a recording already on
   * (a reloaded page takes its part again), from ``session:info``'s answer. */
  async load(answer) {
    const info = await answer;
    if (!info || this.disposed) return;
    this.allowed = this.role === "caseworker" && Boolean(info.recording_allowed);
    this.el.ask.hidden = !this.allowed || ["asking", "starting", "recording"].includes(this.state);
    const current = info.active_call;
    if (current && current.call_id === this.callId && current.recording && this.state === null) {
      this.show(current.recording);
    }
  }

  confirmAsk(open) {
    this.el.confirmPanel.hidden = !open;
    this.el.ask.hidden = open;
    if (open) this.el.confirm.focus();
  }

  async ask() {
    this.el.confirmPanel.hidden = true;
    try {
      this.show(await request(this.socket, "recording:request", { call_id: this.callId }));
    } catch (error) {
      this.say(error.code === "recording_forbidden" ? t("recording.refused") : error.message);
      this.el.ask.hidden = false;
    }
  }

  async answer(agree) {
    this.el.consent.hidden = true;
    try {
      this.show(await request(this.socket, "recording:consent", { call_id: this.callId, agree }));
    } catch (error) {
      this.say(error.message);
    }
  }

  async stop() {
    try {
      this.show(await request(this.socket, "recording:stop", { call_id: this.callId }));
    } catch (error) {
      this.say(error.message);
    }
  }

  say(text) {
    this.el.status.textContent = text;
    this.el.status.hidden = !text;
  }

  /** The recording:state everyone gets: the indicator, the question, and this page's leg follow it. */
  show(view) {
    if (this.disposed || !view || !view.state) return;
    this.state = view.state;
    const open = ["asking", "starting", "recording"].includes(view.state);
    const mine = (view.consents || []).includes(this.role);
    document.body.dataset.recording = view.state;
    this.el.indicator.hidden = view.state !== "recording";
    this.el.consent.hidden = !(view.state === "asking" && !mine);
    if (!this.el.consent.hidden) this.el.agree.focus();
    this.el.stop.hidden = !open;
    this.el.ask.hidden = open || !this.mayAsk();
    const words = {
      asking: mine ? t("recording.waiting") : "",
      starting: t("recording.starting"),
      declined: t("recording.declined"),
      stopped: t("recording.stopped"),
    };
    this.say(words[view.state] || "");
    if (view.state === "recording") this.openLeg();
    else this.closeLeg();
  }

  mayAsk() {
    return this.allowed;
  }

  async openLeg() {
    if (this.leg || this.opening) return;
    this.opening = (async () => {
      const audio = this.call.stream?.getAudioTracks()[0];
      if (!audio) return;
      const pc = new RTCPeerConnection({ iceServers: this.call.iceServers || [] });
      pc.addTrack(audio.clone());
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      try {
        const answer = await api("POST", `/api/calls/${this.callId}/recording/legs`, {
          type: "offer",
          sdp: pc.localDescription.sdp,
        });
        if (this.disposed || this.state !== "recording") {
          this.closePc(pc);
          await api("DELETE", `/api/recording-legs/${answer.leg_id}`).catch(() => {});
          return;
        }
        await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
        this.leg = { pc, id: answer.leg_id };
        document.body.dataset.recordingLeg = "open";
      } catch (error) {
        this.closePc(pc);
        this.say(error.message);
      }
    })().finally(() => {
      this.opening = null;
    });
    await this.opening;
  }

  closePc(pc) {
    for (const sender of pc.getSenders()) sender.track?.stop(); // the clone, never the call's own track
    pc.close();
  }

  async closeLeg() {
    if (this.opening) await this.opening;
    const leg = this.leg;
    this.leg = null;
    if (!leg) return;
    this.closePc(leg.pc);
    document.body.dataset.recordingLeg = "closed";
    await api("DELETE", `/api/recording-legs/${leg.id}`).catch(() => {}); // the server also stops it by itself
  }

  /** The call is over: no leg, no listeners, no indicator. */
  dispose() {
    if (this.disposed) return;
    this.closeLeg();
    this.disposed = true;
    for (const [event, handler] of Object.entries(this.handlers)) this.socket.off(event, handler);
    this.el.indicator.hidden = true;
    delete document.body.dataset.recording;
  }
}
