// The pre-call checks. The device check: a camera preview and a microphone level meter, with a clear message
// when the browser refuses permission or finds no device; nothing is recorded or sent anywhere. The connection
// test: camera and microphone go to the server's echo peer (POST /api/precall, nothing recorded there either),
// the echoed video is shown, and after a few seconds the server's verdict on the link with its advice.
import { api, ApiError } from "./api.js";
import { localMedia } from "./call.js";
import { t } from "./i18n.js";
import { request } from "./socket.js";
import { gathered } from "./gathering.js";

const VERDICT_AFTER_MS = 5000;
const POLL_EVERY_MS = 1000;

export class DeviceCheck {
  constructor({ preview, meter, message }) {
    this.preview = preview;
    this.meter = meter;
    this.message = message;
    this.stream = null;
    this.context = null;
    this.frame = 0;
  }

  async start() {
    this.stop();
    this.message.textContent = "";
    this.message.dataset.reason = "";
    try {
      this.stream = await localMedia(false);
    } catch (error) {
      this.message.dataset.reason = error.reason;
      this.message.textContent = t(`device.${error.reason}`);
      return false;
    }
    this.preview.srcObject = this.stream;
    this.context = new AudioContext();
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    this.context.createMediaStreamSource(this.stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const draw = () => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
      const level = Math.min(100, Math.round((peak / 128) * 100));
      this.meter.value = level;
      this.meter.dataset.level = String(level);
      this.frame = requestAnimationFrame(draw);
    };
    draw();
    this.message.textContent = t("device.ok");
    this.message.dataset.reason = "ok";
    return true;
  }

  stop() {
    cancelAnimationFrame(this.frame);
    if (this.context) this.context.close();
    this.context = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.preview.srcObject = null;
  }
}

function shown(value) {
  return value === null || value === undefined ? "–" : String(Math.round(value));
}

export class ConnectionTest {
  constructor({ start, stop, echo, result, advice }) {
    this.view = { start, stop, echo, result, advice };
    this.pc = null;
    this.stream = null;
    this.testId = null;
    this.poller = 0;
    this.connectedAt = 0;
    this.report = null;
  }

  say(key, verdict = "") {
    this.view.result.dataset.verdict = verdict;
    this.view.result.textContent = t(key);
    this.view.advice.replaceChildren();
  }

  async run() {
    await this.end();
    this.report = null;
    this.view.start.hidden = true;
    this.view.stop.hidden = false;
    this.say("precall.connecting", "running");
    try {
      this.stream = await localMedia(false);
    } catch (error) {
      this.say(`device.${error.reason}`, "error");
      this.view.start.hidden = false;
      this.view.stop.hidden = true;
      return;
    }
    let iceServers = [];
    try {
      iceServers = (await request(window.rris.socket, "session:info")).ice_servers || [];
    } catch {
      iceServers = []; // host candidates still reach a server on the same network
    }
    const pc = new RTCPeerConnection({ iceServers });
    this.pc = pc;
    const echoed = new MediaStream();
    pc.addEventListener("track", (event) => {
      echoed.addTrack(event.track);
      this.view.echo.srcObject = echoed;
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected" && !this.connectedAt) this.connectedAt = performance.now();
    });
    for (const track of this.stream.getTracks()) pc.addTrack(track, this.stream);
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (pc !== this.pc) return;
      const answer = await api("POST", "/api/precall", { type: "offer", sdp: pc.localDescription.sdp });
      this.testId = answer.test_id;
      if (pc !== this.pc) return void this.end();
      await pc.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
    } catch (error) {
      if (pc !== this.pc) return;
      const code = error instanceof ApiError && error.code === "precall_busy" ? "precall_busy" : "failed";
      await this.end();
      this.say(`precall.error.${code}`, "error");
      return;
    }
    this.view.echo.hidden = false;
    this.say("precall.measuring", "running");
    this.poller = setInterval(() => this.poll(pc), POLL_EVERY_MS);
  }

  async poll(pc) {
    if (pc !== this.pc || !this.testId) return;
    let report;
    try {
      report = await api("GET", `/api/precall/${encodeURIComponent(this.testId)}`);
    } catch (error) {
      if (pc !== this.pc) return;
      // The server ends a test after its lifetime: keep the last verdict on screen.
      if (error instanceof ApiError && error.status === 404) {
        this.testId = null;
        await this.end();
        if (!this.report) this.say("precall.ended", "ended");
      }
      return;
    }
    if (pc !== this.pc) return;
    if (!this.connectedAt || performance.now() - this.connectedAt < VERDICT_AFTER_MS) return;
    this.report = report;
    this.render(report);
  }

  render(report) {
    const { result, advice } = this.view;
    result.dataset.verdict = report.verdict;
    result.textContent = t(`precall.verdict.${report.verdict}`, {
      rtt: shown(report.rtt_ms),
      jitter: shown(report.jitter_ms),
      loss: report.loss_pct === null ? "–" : report.loss_pct.toFixed(1),
      bitrate: shown(report.bitrate_kbps),
    });
    advice.replaceChildren(
      ...report.advice.map((code) => {
        const item = document.createElement("li");
        item.dataset.advice = code;
        item.textContent = t(`precall.advice.${code}`);
        return item;
      }),
    );
  }

  async end() {
    clearInterval(this.poller);
    this.poller = 0;
    const testId = this.testId;
    this.testId = null;
    if (this.pc) this.pc.close();
    this.pc = null;
    this.connectedAt = 0;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.view.echo.srcObject = null;
    this.view.echo.hidden = true;
    this.view.start.hidden = false;
    this.view.stop.hidden = true;
    if (testId) {
      try {
        await api("DELETE", `/api/precall/${encodeURIComponent(testId)}`);
      } catch {
        // already ended by the server (lifetime) or the session: nothing left to free
      }
    }
  }
}

/** Both consoles import this module; the connection test wires itself to their device panel. */
function wireConnectionTest() {
  const $ = (id) => document.getElementById(id);
  if (!$("precall-start")) return;
  const test = new ConnectionTest({
    start: $("precall-start"),
    stop: $("precall-stop"),
    echo: $("precall-echo"),
    result: $("precall-result"),
    advice: $("precall-advice"),
  });
  $("precall-start").addEventListener("click", () => {
    if (window.rris) window.rris.precall = test;
    test.run();
  });
  $("precall-stop").addEventListener("click", () => test.end());
  window.addEventListener("pagehide", () => test.end());
}

wireConnectionTest();
