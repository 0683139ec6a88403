// A controllable Socket.IO client process for the JUnit interop tests. It reads one JSON command per line on stdin
// and writes one JSON line per reply or event on stdout. Every client is the official socket.io-client.
//   {"rid":1,"cmd":"connect","client":"a","url":"http://127.0.0.1:8080","auth":{"token":"..."},"opts":{...}}
//   {"rid":2,"cmd":"emit","client":"a","event":"chat:send","args":[{...}],"ack":true}
// Binary values travel as {"$binary":"<base64>"} in both directions.
import { io } from "socket.io-client";
import readline from "node:readline";

const clients = new Map();
const autoAcks = new Map();
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

function toWire(v) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    return { $binary: Buffer.from(v instanceof ArrayBuffer ? new Uint8Array(v) : v).toString("base64") };
  }
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x)]));
  return v;
}
function fromWire(v) {
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "$binary" in v) {
    return Buffer.from(v.$binary, "base64");
  }
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
  return v;
}

function connect(msg) {
  const socket = io(msg.url, { auth: msg.auth, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500,
    timeout: 5000, ...(msg.opts || {}) });
  clients.set(msg.client, socket);
  let answered = false;
  socket.on("connect", () => {
    const transport = socket.io.engine.transport.name;
    // recovered and the private session id: connection state recovery (pid is private to the client library)
    const recovered = socket.recovered === true;
    out({ type: "connect", client: msg.client, id: socket.id, transport, recovered, pid: socket._pid ?? null });
    if (!answered) { answered = true; out({ rid: msg.rid, ok: true, id: socket.id, transport, recovered, pid: socket._pid ?? null }); }
  });
  socket.on("connect_error", (err) => {
    out({ type: "connect_error", client: msg.client, message: err.message, data: err.data ?? null });
    if (!answered) { answered = true; out({ rid: msg.rid, ok: false, error: { message: err.message, data: err.data ?? null } }); }
  });
  socket.on("disconnect", (reason) => out({ type: "disconnect", client: msg.client, reason }));
  socket.io.engine?.on?.("upgrade", (t) => out({ type: "upgrade", client: msg.client, transport: t.name }));
  socket.io.on("open", () => {
    const engine = socket.io.engine;
    engine.on("upgrade", (t) => out({ type: "upgrade", client: msg.client, transport: t.name }));
    // why a client stays on polling: the probe failed (refused, closed, timed out) or was never tried
    engine.on("upgrading", (t) => out({ type: "upgrading", client: msg.client, transport: t.name }));
    engine.on("upgradeError", (e) => out({ type: "upgradeError", client: msg.client,
      message: String(e?.message ?? e), transport: e?.transport ?? null }));
  });
  socket.onAny((event, ...args) => {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      const ackFn = args.pop();
      const reply = autoAcks.get(`${msg.client}|${event}`);
      if (reply !== undefined) ackFn(...fromWire(reply));
    }
    out({ type: "event", client: msg.client, event, args: toWire(args) });
  });
}

async function handle(msg) {
  const socket = clients.get(msg.client);
  switch (msg.cmd) {
    case "connect": return connect(msg);
    case "emit": {
      const args = fromWire(msg.args || []);
      if (!msg.ack) { socket.emit(msg.event, ...args); return out({ rid: msg.rid, ok: true }); }
      try {
        const ack = await socket.timeout(msg.timeout || 5000).emitWithAck(msg.event, ...args);
        return out({ rid: msg.rid, ok: true, ack: toWire([ack]) });
      } catch (e) {
        return out({ rid: msg.rid, ok: false, error: { message: String(e.message || e) } });
      }
    }
    case "emitMany": {
      // ack'd emits in parallel; answers with every ack in order
      const all = msg.items.map((it) => socket.timeout(msg.timeout || 5000).emitWithAck(it.event, ...fromWire(it.args)));
      const acks = await Promise.allSettled(all);
      return out({ rid: msg.rid, ok: true, acks: acks.map((a) => a.status === "fulfilled" ? toWire(a.value) : { timeout: true }) });
    }
    case "autoAck": autoAcks.set(`${msg.client}|${msg.event}`, msg.reply); return out({ rid: msg.rid, ok: true });
    case "state": return out({ rid: msg.rid, ok: true, connected: socket.connected, id: socket.id ?? null,
      transport: socket.io.engine?.transport?.name ?? null, extensions: socket.io.engine?.transport?.ws?.extensions ?? null });
    case "dropTransport": socket.io.engine.close(); return out({ rid: msg.rid, ok: true });
    case "disconnect": socket.disconnect(); clients.delete(msg.client); return out({ rid: msg.rid, ok: true });
    default: return out({ rid: msg.rid, ok: false, error: { message: `unknown command ${msg.cmd}` } });
  }
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  let msg;
  try { msg = JSON.parse(line); } catch (e) { return out({ ok: false, error: { message: "bad command json" } }); }
  handle(msg).catch((e) => out({ rid: msg.rid, ok: false, error: { message: String(e && e.stack || e) } }));
});
process.stdin.on("end", () => { for (const s of clients.values()) s.disconnect(); process.exit(0); });
