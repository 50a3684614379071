// Check-in page: read a ticket's QR code with the device's camera and send it through the
// code form. An enhancement only: without this file, or without a camera, the code is typed.
// Decodes with the browser's BarcodeDetector where it reads QR codes, else with the
// vendored jsQR (static/vendor/jsqr), loaded only when the camera is first started.
(() => {
  "use strict";
  const SCANNING_KEY = "ting-checkin-scanning"; // keep scanning across the page loads between people
  const LAST_KEY = "ting-checkin-last"; // the last code sent and when: the same ticket is still in view after the reload
  const REPEAT_MS = 8000;
  const FRAME_MS = 150;
  const MAX_SIDE = 720; // frames are scaled down to this for jsQR

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("scanner");
    const form = document.getElementById("checkin-code-form");
    if (!box || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    const input = form.querySelector("input[name=code]");
    const startButton = document.getElementById("scan-start");
    const stopButton = document.getElementById("scan-stop");
    const status = document.getElementById("scan-status");
    const video = document.getElementById("scan-video");
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let stream = null;
    let timer = null;
    let decode = null;

    const say = (key) => { status.textContent = box.dataset[key] || ""; };
    const remember = (key, value) => {
      try {
        if (value === null) window.sessionStorage.removeItem(key);
        else window.sessionStorage.setItem(key, value);
      } catch (error) { /* private mode: no memory between pages, scanning still works */ }
    };
    const recall = (key) => {
      try { return window.sessionStorage.getItem(key); } catch (error) { return null; }
    };

    async function nativeDecoder() {
      if (!("BarcodeDetector" in window)) return null;
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (!formats.includes("qr_code")) return null;
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (source) => {
          const codes = await detector.detect(source);
          return codes.length ? codes[0].rawValue : null;
        };
      } catch (error) {
        return null;
      }
    }

    function jsqrDecoder() {
      return (source) => {
        const width = source.videoWidth;
        const height = source.videoHeight;
        if (!width || !height) return null;
        const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        context.drawImage(source, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        return found ? found.data : null;
      };
    }

    function loadScript(src) {
      return new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }

    async function loadDecoder() {
      const native = await nativeDecoder();
      if (native) return native;
      if (!window.jsQR) await loadScript(box.dataset.decoder);
      return jsqrDecoder();
    }

    function stopStream() {
      window.clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      startButton.hidden = false;
      stopButton.hidden = true;
    }

    function isRepeat(code) {
      try {
        const last = JSON.parse(recall(LAST_KEY) || "null");
        return Boolean(last) && last.code === code && Date.now() - last.at < REPEAT_MS;
      } catch (error) {
        return false;
      }
    }

    function found(code) {
      remember(LAST_KEY, JSON.stringify({ code, at: Date.now() }));
      say("found");
      stopStream();
      input.value = code;
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    async function tick() {
      if (!stream) return;
      let code = null;
      try {
        code = await decode(video);
      } catch (error) {
        code = null; // a frame that could not be read: try the next
      }
      if (!stream) return;
      code = code ? code.trim() : "";
      if (code && !isRepeat(code)) {
        found(code);
        return;
      }
      timer = window.setTimeout(tick, FRAME_MS);
    }

    async function start() {
      say("starting");
      startButton.hidden = true;
      try {
        decode = decode || (await loadDecoder());
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
      } catch (error) {
        stopStream();
        remember(SCANNING_KEY, null);
        say("unavailable");
        return;
      }
      stopButton.hidden = false;
      remember(SCANNING_KEY, "on");
      say("scanning");
      tick();
    }

    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", () => {
      remember(SCANNING_KEY, null);
      stopStream();
      say("stopped");
      startButton.focus();
    });
    window.addEventListener("pagehide", stopStream);
    startButton.hidden = false;
    if (recall(SCANNING_KEY) === "on") start();
  });
})();
