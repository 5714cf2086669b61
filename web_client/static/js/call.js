// One call in the page: the local camera and microphone, the peer connection negotiated through the
// server's signal:* relay, the controls (mute, camera off, audio only, hang up), a connection-quality
// indicator from getStats() and the "reconnecting" banner. Media goes peer to peer; the server never sees it.
import { request } from "./socket.js";
import { t } from "./i18n.js";

const QUALITY_EVERY_MS = 2000;

/** The camera and microphone, or a clear reason why not ("denied", "no_device", "failed"). */
export async function localMedia(audioOnly = false) {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video: !audioOnly });
  } catch (error) {
    const reason =
      error.name === "NotAllowedError" || error.name === "SecurityError"
        ? "denied"
        : error.name === "NotFoundError" || error.name === "OverconstrainedError"
          ? "no_device"
          : "failed";
    const failure = new Error(reason);
    failure.reason = reason;
    throw failure;
  }
}

/** Round-trip time, jitter and loss from a getStats() report, and what they mean for the conversation. */
export function qualityOf(report, previous = null) {
  let rtt = null;
  let jitter = null;
  let received = 0;
  let lost = 0;
  report.forEach((stat) => {
    if (stat.type === "candidate-pair" && stat.nominated && stat.currentRoundTripTime !== undefined) {
      rtt = stat.currentRoundTripTime * 1000;
    }
    if (stat.type === "inbound-rtp" && stat.kind === "audio") {
      jitter = (stat.jitter ?? 0) * 1000;
    }
    if (stat.type === "inbound-rtp") {
      received += stat.packetsReceived ?? 0;
      lost += stat.packetsLost ?? 0;
    }
  });
  const newReceived = received - (previous ? previous.received : 0);
  const newLost = lost - (previous ? previous.lost : 0);
  const loss = newReceived + newLost > 0 ? (100 * Math.max(0, newLost)) / (newReceived + newLost) : 0;
  let level = "good";
  if ((rtt ?? 0) > 400 || (jitter ?? 0) > 50 || loss > 5) level = "poor";
  else if ((rtt ?? 0) > 200 || (jitter ?? 0) > 30 || loss > 1) level = "fair";
  return { rtt, jitter, loss, level, received, lost };
}

export class Call {
  /**
   * @param socket the Socket.IO connection
   * @param view {local, remote, quality, banner} elements of the call screen
   * @param info {callId, role, iceServers}
   */
  constructor(socket, view, { callId, role, iceServers, stream }) {
    this.socket = socket;
    this.view = view;
    this.callId = callId;
    this.role = role;
    this.iceServers = iceServers || [];
    this.stream = stream;
    this.pendingCandidates = [];
    this.qualityTimer = null;
    this.lastQuality = null;
    this.ended = false;
    this.handlers = {
      "signal:description": (message) => this.onDescription(message),
      "signal:candidate": (message) => this.onCandidate(message),
      "call:peer-disconnected": (message) => message.call_id === this.callId && this.showBanner("peer"),
      "call:peer-rejoined": (message) => message.call_id === this.callId && this.onPeerRejoined(),
    };
    for (const [event, handler] of Object.entries(this.handlers)) socket.on(event, handler);
    this.pc = this.newPeerConnection();
  }

  newPeerConnection() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    pc.addEventListener("icecandidate", (event) => {
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      request(this.socket, "signal:candidate", { call_id: this.callId, candidate }).catch(() => {});
    });
    pc.addEventListener("track", (event) => {
      const [remote] = event.streams;
      if (remote && this.view.remote.srcObject !== remote) this.view.remote.srcObject = remote;
    });
    pc.addEventListener("connectionstatechange", () => {
      document.body.dataset.connection = pc.connectionState;
      if (pc.connectionState === "connected") this.hideBanner("media");
      if (pc.connectionState === "disconnected" || pc.connectionState === "failed") this.showBanner("media");
    });
    this.view.local.srcObject = this.stream;
    this.startQuality(pc);
    return pc;
  }

  /** The caseworker offers first, once the interpreter accepted (or both are in a booked room). */
  async offer({ iceRestart = false } = {}) {
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    await request(this.socket, "signal:description", {
      call_id: this.callId,
      type: "offer",
      sdp: this.pc.localDescription.sdp,
    });
  }

  async onDescription(message) {
    if (message.call_id !== this.callId || this.ended) return;
    if (message.type === "offer") {
      if (this.pc.signalingState !== "stable") {
        await this.pc.setLocalDescription({ type: "rollback" }); // both offered at once: theirs wins here
      }
      await this.pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
      await this.flushCandidates();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      await request(this.socket, "signal:description", {
        call_id: this.callId,
        type: "answer",
        sdp: this.pc.localDescription.sdp,
      });
    } else if (this.pc.signalingState === "have-local-offer") {
      await this.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
      await this.flushCandidates();
    }
  }

  async onCandidate(message) {
    if (message.call_id !== this.callId || this.ended) return;
    const candidate = message.candidate ?? null;
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate === null ? undefined : candidate);
    } catch {
      // A candidate of an older negotiation (after an ICE restart) is harmless to drop.
    }
  }

  async flushCandidates() {
    const queued = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of queued) await this.addCandidate(candidate);
  }

  /** The other side is back: whoever offers restarts ICE so the media path is found again. */
  async onPeerRejoined() {
    this.hideBanner("peer");
    if (this.role === "caseworker" && this.pc.connectionState !== "connected") {
      await this.offer({ iceRestart: true }).catch(() => {});
    }
  }

  /** Our own socket came back: take our side of the call again and restart ICE (the caseworker offers). */
  async rejoin() {
    await request(this.socket, "call:rejoin", { call_id: this.callId });
    this.hideBanner("self");
    if (this.role === "caseworker") await this.offer({ iceRestart: true });
  }

  setMuted(muted) {
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  setCameraOff(off) {
    for (const track of this.stream.getVideoTracks()) track.enabled = !off;
  }

  /** Stop sending video altogether (weak networks): the sender carries nothing, no renegotiation needed. */
  async setAudioOnly(audioOnly) {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === "video" || s.__video);
    if (!sender) return;
    sender.__video = true;
    const video = this.stream.getVideoTracks()[0] || null;
    await sender.replaceTrack(audioOnly ? null : video);
    if (video) video.enabled = !audioOnly;
    this.view.local.hidden = audioOnly;
  }

  async hangUp() {
    await request(this.socket, "call:hangup", { call_id: this.callId }).catch(() => {});
    this.close();
  }

  startQuality(pc) {
    clearInterval(this.qualityTimer);
    this.lastQuality = null;
    this.qualityTimer = setInterval(async () => {
      if (pc.connectionState === "closed") return;
      const quality = qualityOf(await pc.getStats(), this.lastQuality);
      this.lastQuality = quality;
      this.renderQuality(quality);
    }, QUALITY_EVERY_MS);
  }

  renderQuality(quality) {
    const element = this.view.quality;
    if (!element) return;
    element.dataset.level = quality.level;
    const rtt = quality.rtt === null ? "–" : Math.round(quality.rtt);
    const jitter = quality.jitter === null ? "–" : Math.round(quality.jitter);
    element.textContent = t(`quality.${quality.level}`, {
      rtt,
      jitter,
      loss: quality.loss.toFixed(1),
    });
    element.title = t("quality.details", { rtt, jitter, loss: quality.loss.toFixed(1) });
  }

  showBanner(cause) {
    const banner = this.view.banner;
    if (!banner) return;
    banner.dataset[cause] = "1";
    banner.hidden = false;
  }

  hideBanner(cause) {
    const banner = this.view.banner;
    if (!banner) return;
    delete banner.dataset[cause];
    if (!banner.dataset.peer && !banner.dataset.self && !banner.dataset.media) banner.hidden = true;
  }

  close() {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.qualityTimer);
    for (const [event, handler] of Object.entries(this.handlers)) this.socket.off(event, handler);
    this.pc.close();
    for (const track of this.stream.getTracks()) track.stop();
    this.view.remote.srcObject = null;
    this.view.local.srcObject = null;
    if (this.view.banner) this.view.banner.hidden = true;
  }
}
