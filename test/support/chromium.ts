/**
 * Headless Chromium (Debian's `chromium`) driven over the Chrome DevTools Protocol on a pipe
 * (--remote-debugging-pipe: commands on fd 3, replies on fd 4, each a JSON message ended by NUL):
 * no WebSocket client needed, nothing listening on a port. And a PNG reader for the screenshots it
 * takes (8-bit RGB or RGBA, not interlaced: what Chromium writes) to compare them with golden images.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { inflateSync } from 'node:zlib';

export const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

interface Pending { resolve: (v: any) => void; reject: (e: Error) => void }

export class Browser {
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((msg: any) => void)[] = [];
  private buffer = '';

  private constructor(private readonly proc: ChildProcess, private readonly profile: string) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (msg.id && this.pending.has(msg.id)) {
          const p = this.pending.get(msg.id)!;
          this.pending.delete(msg.id);
          if (msg.error) p.reject(new Error(`${msg.error.message} (${JSON.stringify(msg.error.data ?? '')})`));
          else p.resolve(msg.result);
        } else for (const l of this.listeners) l(msg);
      }
    });
    // Chromium missing or gone: every command waiting is answered with why, instead of waiting for the test's timeout.
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    proc.on('error', (e) => fail(`${CHROMIUM}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed (Debian package chromium; .ci/run installs it)' : e.message}`));
    proc.on('exit', (code, signal) => fail(`${CHROMIUM} exited (${signal ?? code})`));
    // A pipe to a process that never started or has gone fails its writes: said above, once.
    for (const fd of [3, 4]) (proc.stdio[fd] as Writable | Readable | null)?.on('error', () => undefined);
  }

  static async launch(): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'nvcops-chromium-'));
    const proc = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1',
      '--font-render-hinting=none', '--disable-lcd-text', '--disable-extensions', '--no-first-run', '--no-default-browser-check',
      '--disable-background-networking', '--disable-sync', '--mute-audio', `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    proc.stderr!.resume();
    const b = new Browser(proc, profile);
    await b.send('Browser.getVersion');
    return b;
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.proc.stdio[3] as Writable).write(`${JSON.stringify({ id, method, params, ...(sessionId && { sessionId }) })}\0`);
    });
  }

  /** The next event `method` of this session. */
  event(method: string, sessionId: string): Promise<any> {
    return new Promise((resolve) => {
      const l = (msg: any) => {
        if (msg.method === method && msg.sessionId === sessionId) {
          this.listeners.splice(this.listeners.indexOf(l), 1);
          resolve(msg.params);
        }
      };
      this.listeners.push(l);
    });
  }

  /** A new tab at `width` × `height` CSS pixels (a phone width emulates a mobile viewport) showing `url`, loaded. */
  async open(url: string, width: number, height: number): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId, targetId);
    await page.send('Page.enable');
    await page.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: width < 600 });
    const loaded = this.event('Page.loadEventFired', sessionId);
    await page.send('Page.navigate', { url });
    await loaded;
    return page;
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 5000))]);
    } finally {
      this.proc.kill('SIGKILL');
      rmSync(this.profile, { recursive: true, force: true });
    }
  }
}

export class Page {
  constructor(private readonly browser: Browser, private readonly sessionId: string, readonly targetId: string) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** An expression's value in the page (awaited when it is a promise); a thrown error is thrown here. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** The whole page as a PNG, at the viewport's width and the document's full height. */
  async screenshot(): Promise<Buffer> {
    const { cssContentSize } = await this.send('Page.getLayoutMetrics');
    const { data } = await this.send('Page.captureScreenshot', {
      format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width: Math.ceil(cssContentSize.width), height: Math.ceil(cssContentSize.height), scale: 1 },
    });
    return Buffer.from(data, 'base64');
  }

  close(): Promise<void> {
    return this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}

export interface Image { width: number; height: number; /** RGBA, 4 bytes a pixel. */ data: Buffer }

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (PNG spec §4, filters §9) into RGBA. */
export function decodePng(png: Buffer): Image {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      colorType = body[9]!;
      if (body[8] !== 8 || body[12] !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error(`PNG not 8-bit RGB(A) non-interlaced (depth ${body[8]}, colour type ${colorType}, interlace ${body[12]})`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) out[(y * width + x) * 4 + k] = line[x * bpp + k]!;
      out[(y * width + x) * 4 + 3] = bpp === 4 ? line[x * bpp + 3]! : 255;
    }
    prev = line;
  }
  return { width, height, data: out };
}

/**
 * How far two screenshots differ: the share of pixels whose colour moved by more than `tolerance` in any
 * channel (anti-aliasing and font rasterising move edges by a little; a missing chart or a broken layout
 * moves thousands). Compared over the area both cover; what only one covers counts as different.
 */
export function pixelDifference(a: Image, b: Image, tolerance = 64): { share: number; pixels: number } {
  const w = Math.min(a.width, b.width);
  const h = Math.min(a.height, b.height);
  const total = Math.max(a.width, b.width) * Math.max(a.height, b.height);
  let pixels = total - w * h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * a.width + x) * 4;
      const j = (y * b.width + x) * 4;
      if (Math.abs(a.data[i]! - b.data[j]!) > tolerance || Math.abs(a.data[i + 1]! - b.data[j + 1]!) > tolerance || Math.abs(a.data[i + 2]! - b.data[j + 2]!) > tolerance) pixels++;
    }
  }
  return { share: pixels / total, pixels };
}
