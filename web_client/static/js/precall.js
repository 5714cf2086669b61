// The pre-call check: a camera preview and a microphone level meter, with a clear message when the browser
// refuses permission or finds no device. Nothing is recorded or sent anywhere.
import { localMedia } from "./call.js";
import { t } from "./i18n.js";

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
