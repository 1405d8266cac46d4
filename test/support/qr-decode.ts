/** Decodes the QR code in a PNG (pngjs + jsQR), as a phone's camera would read the emailed card. */
import { PNG } from 'pngjs';
import jsQR from 'jsqr';

export function decodeQrPng(bytes: Buffer): string | undefined {
  const png = PNG.sync.read(bytes);
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  return found?.data;
}
