// One call in the page: the local camera and microphone, the peer connection negotiated through the
// server's signal:* relay, the controls (mute, camera off, audio only, hang up), a connection-quality
// indicator from getStats() and the "reconnecting" banner. Media goes peer to peer; the server never sees it.
//
// Negotiation: the caseworker offers (first after call:accepted, then with an ICE restart whenever either
// side rejoins); the interpreter answers. Descriptions and candidates are applied one at a time, in order.
// A page that was reloaded has a new peer connection, so its description carries a new DTLS fingerprint;
// the old connection cannot take it, and the side receiving it starts a new one too.
//
// In a booked room (room.js) a Call is one pair of a mesh: it names its `peer` (the other side's role), sends
// every signal:* message `to` it and takes only those `from` it; which of the pair offers comes from the
// room's seat order, and the room owns the local stream.
import { request } from "./socket.js";
import { t } from "./i18n.js";

const QUALITY_EVERY_MS = 2000;
const STATS_EVERY_MS = 5000; // a call:stats summary to the server (it takes at most one per 2 s)
const MAX_VIDEO_BPS = 600_000; // the per-call video cap: audio must keep room on a shared or mobile link
// Opus tuned for speech on weak links: forward error correction, silence suppression, 32 kbps at most.
const SPEECH_OPUS = { useinbandfec: "1", usedtx: "1", maxaveragebitrate: "32000" };
const MAX_PENDING_CANDIDATES = 200;
// The banner says the most pressing cause: our own connection, then the other side's, then the media path.
const BANNER_CAUSES = [
  ["self", "call.reconnecting"],
  ["peer", "call.peer_disconnected"],
  ["media", "call.media_interrupted"],
];

/** The camera and microphone, or a clear reason why not ("denied", "no_device", "insecure", "failed"). */
export async function localMedia(audioOnly = false) {
  if (!navigator.mediaDevices?.getUserMedia) {
    // Browsers offer the camera only to secure pages (https, or http on localhost).
    const failure = new Error("insecure");
    failure.reason = "insecure";
    throw failure;
  }
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

/** Round-trip time, jitter, loss, received bitrate and frame rate from a getStats() report, and what they
 * mean for the conversation. */
export function qualityOf(report, previous = null) {
  let rtt = null;
  let jitter = null;
  let received = 0;
  let lost = 0;
  let bytes = 0;
  let at = null;
  let fps = null;
  report.forEach((stat) => {
    if (stat.type === "inbound-rtp") {
      bytes += stat.bytesReceived ?? 0;
      at = Math.max(at ?? 0, stat.timestamp ?? 0);
      if (stat.kind === "video" && stat.framesPerSecond !== undefined) fps = stat.framesPerSecond;
    }
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
  const seconds = previous && previous.at !== null && at !== null ? (at - previous.at) / 1000 : 0;
  const bitrate = seconds > 0 ? Math.max(0, (8 * (bytes - previous.bytes)) / 1000 / seconds) : 0;
  return { rtt, jitter, loss, level, received, lost, bytes, at, bitrate, fps };
}

/** The call:stats payload for one interval (bounded as the server requires). */
export function statsSummary(callId, quality, audioOnly) {
  const bound = (value, max) => Math.min(max, Math.max(0, value ?? 0));
  const summary = {
    call_id: callId,
    rtt_ms: bound(quality.rtt, 60000),
    jitter_ms: bound(quality.jitter, 60000),
    loss_pct: bound(quality.loss, 100),
    bitrate_kbps: bound(quality.bitrate, 100000),
    audio_only: audioOnly,
  };
  if (quality.fps !== null && !audioOnly) summary.fps = bound(quality.fps, 240);
  return summary;
}

/** The Opus line of a description tuned for speech (SPEECH_OPUS added to, or replacing, its fmtp). */
export function speechOpus(sdp) {
  const rtpmap = /^a=rtpmap:(\d+) opus\/48000[^\r\n]*/m.exec(sdp);
  if (!rtpmap) return sdp;
  const fmtp = new RegExp(`^a=fmtp:${rtpmap[1]} ([^\\r\\n]*)`, "m");
  const found = fmtp.exec(sdp);
  const params = new Map(
    (found ? found[1] : "")
      .split(";")
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair) => [pair.split("=")[0], pair.slice(pair.indexOf("=") + 1)]),
  );
  for (const [name, value] of Object.entries(SPEECH_OPUS)) params.set(name, value);
  const line = `a=fmtp:${rtpmap[1]} ${[...params].map(([name, value]) => `${name}=${value}`).join(";")}`;
  return found ? sdp.replace(fmtp, line) : sdp.replace(rtpmap[0], `${rtpmap[0]}\r\n${line}`);
}

function sdpField(sdp, name) {
  const match = sdp ? new RegExp(`^a=${name}:(.+)$`, "m").exec(sdp) : null;
  return match ? match[1].trim() : null;
}

export class Call {
  /**
   * @param socket the Socket.IO connection
   * @param view {local, remote, quality, banner} elements of the call screen
   * @param info {callId, role, iceServers, stream}, and in a booked room {peer, offerer, ownsStream: false}
   */
  constructor(socket, view, { callId, role, iceServers, stream, peer = null, offerer = null, ownsStream = true }) {
    this.socket = socket;
    this.view = view;
    this.callId = callId;
    this.role = role;
    this.peer = peer;
    this.offerer = offerer ?? role === "caseworker";
    this.ownsStream = ownsStream;
    this.iceServers = iceServers || [];
    this.stream = stream;
    this.polite = !this.offerer; // when both offer at once, the side that answers gives way
    this.pendingCandidates = [];
    this.signals = Promise.resolve(); // the negotiation steps, one after the other
    this.qualityTimer = null;
    this.statsTimer = null;
    this.lastQuality = null;
    this.audioOnly = false;
    this.audioOnlyByHand = false; // the user's own choice is never undone by a recovered link
    this.autoAudioOnly = false; // switched to audio only because a link was poor
    this.poorLinks = new Set(); // the roles whose link the server last called poor
    this.ended = false;
    this.handlers = {
      "signal:description": (message) => this.enqueue(() => this.onDescription(message)),
      "signal:candidate": (message) => this.enqueue(() => this.onCandidate(message)),
      "call:peer-disconnected": (message) => this.concerns(message, message.role) && this.showBanner("peer"),
      "call:peer-rejoined": (message) => this.concerns(message, message.role) && this.onPeerRejoined(),
      "call:quality": (message) => this.onQuality(message),
    };
    for (const [event, handler] of Object.entries(this.handlers)) socket.on(event, handler);
    this.pc = this.newPeerConnection();
    this.view.local.srcObject = this.stream;
    this.startQuality();
  }

  /** Whether a message is about this call (and, in a room, comes from or names our peer). */
  concerns(message, role = message.from) {
    return message.call_id === this.callId && (this.peer === null || role === this.peer);
  }

  /** A signal:* payload, addressed to our peer in a room. */
  addressed(payload) {
    return this.peer === null ? payload : { ...payload, to: this.peer };
  }

  enqueue(step) {
    this.signals = this.signals.then(step).catch((error) => {
      if (!this.ended) console.warn("negotiation step failed", error);
    });
    return this.signals;
  }

  newPeerConnection() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    if (this.audioOnly) this.videoSender(pc)?.replaceTrack(null);
    pc.addEventListener("icecandidate", (event) => {
      if (pc !== this.pc || this.ended) return; // a replaced connection's candidates lead nowhere
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      request(this.socket, "signal:candidate", this.addressed({ call_id: this.callId, candidate })).catch(() => {});
    });
    pc.addEventListener("track", (event) => {
      const [remote] = event.streams;
      if (pc === this.pc && remote && this.view.remote.srcObject !== remote) this.view.remote.srcObject = remote;
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== this.pc) return;
      document.body.dataset.connection = pc.connectionState;
      if (pc.connectionState === "connected") this.hideBanner("media");
      if (pc.connectionState === "connected") this.capVideo(pc).catch(() => {});
      if (pc.connectionState === "disconnected" || pc.connectionState === "failed") this.showBanner("media");
      // A lost media path (a network change) is found again by an ICE restart, which the offering side makes.
      if (pc.connectionState === "failed" && this.offerer) this.offer({ iceRestart: true });
    });
    return pc;
  }

  /** Start over with a new peer connection (the other side's page was reloaded). */
  replacePeerConnection() {
    const old = this.pc;
    this.pc = this.newPeerConnection(); // candidates kept for later stay: they may be the new peer's
    this.lastQuality = null;
    old.close();
  }

  /** Whether a description comes from another peer connection than the one we negotiated with. */
  fromNewPeer(sdp) {
    const known = this.pc.remoteDescription?.sdp;
    return Boolean(known) && sdpField(known, "fingerprint") !== sdpField(sdp, "fingerprint");
  }

  /** The offering side (the caseworker in a two-party call) offers first, and again (ICE restart) on rejoins. */
  offer({ iceRestart = false } = {}) {
    return this.enqueue(() => this.sendOffer({ iceRestart }));
  }

  async sendOffer({ iceRestart = false } = {}) {
    if (this.ended) return;
    const pc = this.pc;
    // An offer the other side never answered (it was away) is withdrawn before the next one.
    if (pc.signalingState === "have-local-offer") await pc.setLocalDescription({ type: "rollback" });
    await pc.setLocalDescription(await pc.createOffer({ iceRestart }));
    await request(
      this.socket,
      "signal:description",
      this.addressed({ call_id: this.callId, type: "offer", sdp: speechOpus(pc.localDescription.sdp) }),
    );
  }

  async onDescription(message) {
    if (!this.concerns(message) || this.ended) return;
    const description = { type: message.type, sdp: message.sdp };
    if (message.type === "offer") {
      const glare = this.pc.signalingState !== "stable";
      if (glare && !this.polite) return; // our own offer stands: the other side answers it
      if (this.fromNewPeer(message.sdp)) this.replacePeerConnection();
      else if (glare) await this.pc.setLocalDescription({ type: "rollback" });
      await this.pc.setRemoteDescription(description);
      await this.flushCandidates();
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await request(
        this.socket,
        "signal:description",
        this.addressed({ call_id: this.callId, type: "answer", sdp: speechOpus(this.pc.localDescription.sdp) }),
      );
      return;
    }
    if (this.pc.signalingState !== "have-local-offer") return; // an answer to an offer we withdrew
    if (this.fromNewPeer(message.sdp)) {
      // Our offer restarted a connection the other side no longer has: both start a new one.
      this.replacePeerConnection();
      await this.sendOffer();
      return;
    }
    await this.pc.setRemoteDescription(description);
    await this.flushCandidates();
  }

  async onCandidate(message) {
    if (!this.concerns(message) || this.ended) return;
    const candidate = message.candidate ?? null;
    if (!this.accepts(candidate)) {
      // Before the description it belongs to (the relay does not keep their order): keep it for then.
      this.pendingCandidates.push(candidate);
      this.pendingCandidates.splice(0, this.pendingCandidates.length - MAX_PENDING_CANDIDATES);
      return;
    }
    await this.addCandidate(candidate);
  }

  /** A candidate of the remote description we hold now (same ICE username fragment). */
  accepts(candidate) {
    const remote = this.pc.remoteDescription;
    if (!remote) return false;
    const fragment = candidate?.usernameFragment;
    return !fragment || fragment === sdpField(remote.sdp, "ice-ufrag");
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
    for (const candidate of queued) {
      if (this.accepts(candidate)) await this.addCandidate(candidate);
      else this.pendingCandidates.push(candidate);
    }
  }

  /** The other side is back (from a new socket, perhaps a reloaded page): the caseworker restarts ICE. */
  onPeerRejoined() {
    this.hideBanner("peer");
    if (this.offerer) this.offer({ iceRestart: true });
  }

  /** Our own socket came back (or the page was reloaded): take our side of the call again. */
  async rejoin() {
    const answer = await request(this.socket, "call:rejoin", { call_id: this.callId });
    this.hideBanner("self");
    if (!answer.peer_present) this.showBanner("peer");
    // With the other side away the offer could not be relayed; their call:peer-rejoined brings it then.
    else if (this.offerer) await this.offer({ iceRestart: true });
    return answer;
  }

  setMuted(muted) {
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  setCameraOff(off) {
    for (const track of this.stream.getVideoTracks()) track.enabled = !off;
  }

  videoSender(pc = this.pc) {
    return pc.getTransceivers().find((transceiver) => transceiver.receiver.track.kind === "video")?.sender;
  }

  /** Stop sending video altogether (weak networks): the sender carries nothing, no renegotiation needed.
   * ``automatic``: on the server's advice (call:quality), not the user's choice. */
  async setAudioOnly(audioOnly, { automatic = false } = {}) {
    if (!automatic) {
      this.audioOnlyByHand = audioOnly;
      this.autoAudioOnly = false;
    }
    this.audioOnly = audioOnly;
    const video = this.stream.getVideoTracks()[0] || null;
    await this.videoSender()?.replaceTrack(audioOnly ? null : video);
    if (video) video.enabled = !audioOnly;
    this.view.local.hidden = audioOnly;
  }

  /** The video cap of this call (RTCRtpSender encodings), once the connection has negotiated its encodings. */
  async capVideo(pc) {
    const sender = this.videoSender(pc);
    if (!sender) return;
    const parameters = sender.getParameters();
    if (!parameters.encodings || parameters.encodings.length === 0) return;
    parameters.encodings[0].maxBitrate = MAX_VIDEO_BPS;
    await sender.setParameters(parameters);
  }

  /** The server judged a link of this call (ours or the peer's): poor stops our video, recovery resumes it. */
  async onQuality(message) {
    if (message.call_id !== this.callId || this.ended) return;
    if (message.role !== this.role && !this.concerns(message, message.role)) return;
    if (message.level === "poor") this.poorLinks.add(message.role);
    else this.poorLinks.delete(message.role);
    if (message.advice === "audio_only" && !this.audioOnly) {
      this.autoAudioOnly = true;
      await this.setAudioOnly(true, { automatic: true });
      this.pressAudioOnly(true);
      this.notify("call.auto_audio_only");
    } else if (this.poorLinks.size === 0 && this.autoAudioOnly && !this.audioOnlyByHand) {
      this.autoAudioOnly = false;
      await this.setAudioOnly(false, { automatic: true });
      this.pressAudioOnly(false);
      this.notify("call.video_back");
    }
  }

  pressAudioOnly(pressed) {
    this.view.audioOnly?.setAttribute("aria-pressed", String(pressed));
  }

  notify(key) {
    const notice = this.view.notice;
    if (!notice) return;
    notice.dataset.i18n = key; // so a change of interface language translates it too
    notice.textContent = t(key);
    notice.hidden = false;
  }

  /** One summary of the latest interval to the server (only the pair that shows the quality indicator). */
  async sendStats() {
    const pc = this.pc;
    if (!this.view.quality || !this.lastQuality || pc.connectionState !== "connected") return;
    const summary = statsSummary(this.callId, this.lastQuality, this.audioOnly);
    await request(this.socket, "call:stats", summary).catch(() => {}); // a refused summary is just skipped
  }

  async hangUp() {
    await request(this.socket, "call:hangup", { call_id: this.callId }).catch(() => {});
    this.close();
  }

  startQuality() {
    clearInterval(this.qualityTimer);
    this.qualityTimer = setInterval(async () => {
      const pc = this.pc;
      if (pc.connectionState === "closed") return;
      const quality = qualityOf(await pc.getStats(), this.lastQuality);
      if (pc !== this.pc) return;
      this.lastQuality = quality;
      this.renderQuality(quality);
    }, QUALITY_EVERY_MS);
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.sendStats(), STATS_EVERY_MS);
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
    if (!banner || this.ended) return;
    banner.dataset[cause] = "1";
    this.renderBanner();
  }

  hideBanner(cause) {
    const banner = this.view.banner;
    if (!banner) return;
    delete banner.dataset[cause];
    this.renderBanner();
  }

  renderBanner() {
    const banner = this.view.banner;
    const shown = BANNER_CAUSES.find(([cause]) => banner.dataset[cause]);
    banner.hidden = !shown;
    banner.dataset.cause = shown ? shown[0] : "";
    if (!shown) return;
    banner.dataset.i18n = shown[1]; // so a change of interface language translates it too
    banner.textContent = t(shown[1]);
  }

  close() {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.qualityTimer);
    clearInterval(this.statsTimer);
    for (const [event, handler] of Object.entries(this.handlers)) this.socket.off(event, handler);
    this.pc.close();
    this.view.remote.srcObject = null;
    if (!this.ownsStream) return; // the room's stream and screen outlive each of its pairs
    for (const track of this.stream.getTracks()) track.stop();
    this.view.local.srcObject = null;
    if (this.view.banner) this.view.banner.hidden = true;
  }
}
