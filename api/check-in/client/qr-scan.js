/*
 * qr-scan.js — a camera QR scanner for any page of the product (served as /static/qr-scan.js; it
 * needs /static/jsqr.js loaded first, and the page must call allowOwnScripts(res): see
 * api/check-in/assets.ts, `assetPath('jsqr.js')`, `assetPath('qr-scan.js')`).
 *
 * Markup contract:
 *
 *   <input id="code" name="code">                       the input the decoded text goes into
 *   <div data-qr-scanner data-target="code"              one scanner; data-target: the input's id
 *        [data-submit="false"]>                          (default: submit the input's form)
 *     <button type="button" data-qr-start>Scan</button>  starts the camera (required)
 *     <button type="button" data-qr-stop hidden>Stop</button>  stops it (optional)
 *     <video data-qr-video hidden></video>              the preview (optional; created if absent)
 *     <p data-qr-error hidden>Camera unavailable</p>    shown when the camera cannot start (optional)
 *   </div>
 *
 * On start: getUserMedia({ video: { facingMode: 'environment' } }), frames decoded with jsQR.
 * On a decode: the camera stops (press start again for the next card), the text is written into
 * the target input (an `input` event is dispatched on it), and the scanner element dispatches a
 * cancelable, bubbling `qr-scanned` CustomEvent with `detail.text`. Unless a listener calls
 * `preventDefault()` or the scanner has data-submit="false", the input's form is then submitted
 * with `form.requestSubmit()` (so the form's own submit handlers run).
 * The scanner element gets the class `qr-scanning` while the camera is on.
 */
(function () {
  'use strict';

  function attach(root) {
    if (root.__qrScanner) return;
    root.__qrScanner = true;
    var start = root.querySelector('[data-qr-start]');
    var stopButton = root.querySelector('[data-qr-stop]');
    var error = root.querySelector('[data-qr-error]');
    var video = root.querySelector('[data-qr-video]');
    if (!video) {
      video = document.createElement('video');
      video.setAttribute('data-qr-video', '');
      root.appendChild(video);
    }
    video.setAttribute('playsinline', '');
    video.muted = true;
    video.hidden = true;
    var canvas = document.createElement('canvas');
    var context = canvas.getContext('2d', { willReadFrequently: true });
    var stream = null;
    var frame = 0;

    function stop() {
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      root.classList.remove('qr-scanning');
      if (start) start.hidden = false;
      if (stopButton) stopButton.hidden = true;
    }

    function found(text) {
      stop();
      var target = document.getElementById(root.getAttribute('data-target') || '');
      if (target) {
        target.value = text;
        target.dispatchEvent(new Event('input', { bubbles: true }));
      }
      var event = new CustomEvent('qr-scanned', { detail: { text: text }, bubbles: true, cancelable: true });
      var go = root.dispatchEvent(event);
      if (go && root.getAttribute('data-submit') !== 'false' && target && target.form) {
        if (typeof target.form.requestSubmit === 'function') target.form.requestSubmit();
        else target.form.submit();
      }
    }

    function tick() {
      frame = 0;
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth > 0) {
        // Decode a frame at most 640 px wide: enough for a card, and quick on a phone.
        var scale = Math.min(1, 640 / video.videoWidth);
        var w = Math.round(video.videoWidth * scale);
        var h = Math.round(video.videoHeight * scale);
        canvas.width = w;
        canvas.height = h;
        context.drawImage(video, 0, 0, w, h);
        var code = window.jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'attemptBoth' });
        if (code && code.data) {
          found(code.data);
          return;
        }
      }
      frame = requestAnimationFrame(tick);
    }

    function begin() {
      if (error) error.hidden = true;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== 'function') {
        if (error) error.hidden = false;
        return;
      }
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          root.classList.add('qr-scanning');
          if (start) start.hidden = true;
          if (stopButton) stopButton.hidden = false;
          return video.play();
        })
        .then(function () {
          frame = requestAnimationFrame(tick);
        })
        .catch(function () {
          stop();
          if (error) error.hidden = false;
        });
    }

    if (start) start.addEventListener('click', begin);
    if (stopButton) stopButton.addEventListener('click', stop);
    window.addEventListener('pagehide', stop);
  }

  function attachAll() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-qr-scanner]'), attach);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', attachAll);
  else attachAll();
})();
