// Small helpers shared by the interop scripts: a check runner that prints one JSON line per check.
import WebSocket from "ws";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms); }),
  ]);
}

export function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export function assert(condition, what) {
  if (!condition) throw new Error(what);
}

/** Runs the checks one after another, printing {"name","ok","error","ms"} per line; exits 1 if any failed. */
export async function run(checks, only) {
  let failed = 0;
  for (const [name, fn] of checks) {
    if (only && !name.includes(only)) continue;
    const start = Date.now();
    try {
      await withTimeout(fn(), 8000, name);
      console.log(JSON.stringify({ name, ok: true, ms: Date.now() - start }));
    } catch (e) {
      failed++;
      console.log(JSON.stringify({ name, ok: false, error: String(e && e.stack || e), ms: Date.now() - start }));
    }
  }
  process.exit(failed ? 1 : 0);
}

/** A raw WebSocket that queues what it receives, so a check can await the next message or the close. */
export class RawSocket {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "nodebuffer";
    this.queue = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => this.ws.on("close", (code) => resolve(code)));
    this.ws.on("error", () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.on("open", resolve);
      this.ws.on("unexpected-response", (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.on("error", reject);
    });
    this.ws.on("message", (data, isBinary) => {
      const msg = isBinary ? Buffer.from(data) : data.toString();
      const w = this.waiters.shift();
      if (w) w(msg); else this.queue.push(msg);
    });
  }
  next() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  /** The next message that is not a ping. */
  async nextNonPing() {
    for (;;) {
      const m = await this.next();
      if (m !== "2") return m;
    }
  }
  send(data) { this.ws.send(data); }
  close() { this.ws.close(); }
}
