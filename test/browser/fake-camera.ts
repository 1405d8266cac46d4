/**
 * A camera for the browser tests: a short YUV4MPEG2 video (C420jpeg, 640×480) of a real QR code
 * centred on white, which Chromium plays as its webcam with
 * `--use-fake-device-for-media-stream --use-fake-ui-for-media-stream --use-file-for-fake-video-capture=<file>`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';

const WIDTH = 640;
const HEIGHT = 480;

/** Writes a few frames of `text`'s QR code to a .y4m file in a fresh temp dir; returns its path. */
export function writeQrVideo(text: string, frames = 10): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 4;
  const scale = Math.floor(Math.min(WIDTH, HEIGHT) / (size + 2 * quiet));
  const side = (size + 2 * quiet) * scale;
  const left = Math.floor((WIDTH - side) / 2);
  const top = Math.floor((HEIGHT - side) / 2);
  // Luma: white everywhere, black modules; chroma: neutral grey (no colour).
  const y = Buffer.alloc(WIDTH * HEIGHT, 235);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!qr.modules.get(row, col)) continue;
      const x0 = left + (col + quiet) * scale;
      const y0 = top + (row + quiet) * scale;
      for (let dy = 0; dy < scale; dy++) y.fill(16, (y0 + dy) * WIDTH + x0, (y0 + dy) * WIDTH + x0 + scale);
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), y, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-camera-'));
  const file = path.join(dir, 'qr.y4m');
  fs.writeFileSync(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
  return file;
}

/** Chromium's switches for a fake camera playing `file`. */
export function fakeCameraArgs(file: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
}
