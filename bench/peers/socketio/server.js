'use strict';
// The fan-out fixture of `hushryd serve --fixture fanout` (server/.../realtime/FanoutFixture.java) on Node.js
// Socket.IO 4.8, the peer of P-FANOUT: a client joins the rooms listed in its CONNECT payload ({"rooms":["r1"]}),
// and publish(room, payload[, ack]) broadcasts msg(payload) to that room on every node. With REDIS_URL set the
// @socket.io/redis-adapter carries broadcasts between nodes, as HushRyd's Redis broker does.
// GET /stats answers {"realtime":{"sockets":N},"heapUsedBytes":N} (readiness and a socket count).
//   PORT=3000 HOST=127.0.0.1 REDIS_URL=redis://127.0.0.1:6379 node server.js
const http = require('http');
const { Server } = require('socket.io');

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 3000);
const redisUrl = process.env.REDIS_URL || '';
// the same heartbeat as the HushRyd fixture's defaults (REALTIME_PING_INTERVAL / REALTIME_PING_TIMEOUT)
const pingInterval = Number(process.env.PING_INTERVAL_MS || 25000);
const pingTimeout = Number(process.env.PING_TIMEOUT_MS || 20000);

let ready = false; // /stats answers 503 until the adapter is in place, so a benchmark never starts before it

const httpServer = http.createServer((req, res) => {
  if (req.url.startsWith('/stats')) {
    if (!ready) {
      res.writeHead(503);
      res.end();
      return;
    }
    if (req.url.includes('gc=1') && global.gc) {
      global.gc();
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ realtime: { sockets: io.engine.clientsCount },
      heapUsedBytes: process.memoryUsage().heapUsed }));
    return;
  }
  res.writeHead(404);
  res.end();
});
httpServer.listen({ host, port, backlog: 8192 });

const io = new Server(httpServer, { pingInterval, pingTimeout, serveClient: false, maxHttpBufferSize: 1e6 });

io.on('connection', (socket) => {
  const rooms = socket.handshake.auth && socket.handshake.auth.rooms;
  if (Array.isArray(rooms)) {
    socket.join(rooms.filter((r) => typeof r === 'string'));
  }
  socket.on('publish', (room, payload, ack) => {
    if (typeof room === 'string') {
      io.to(room).emit('msg', payload);
    }
    if (typeof ack === 'function') {
      ack();
    }
  });
});

async function main() {
  let adapter = 'in-memory';
  if (redisUrl) {
    const { createAdapter } = require('@socket.io/redis-adapter');
    const Redis = require('ioredis');
    const pubClient = new Redis(redisUrl);
    const subClient = pubClient.duplicate();
    await Promise.all([
      new Promise((ok, fail) => { pubClient.once('ready', ok); pubClient.once('error', fail); }),
      new Promise((ok, fail) => { subClient.once('ready', ok); subClient.once('error', fail); }),
    ]);
    io.adapter(createAdapter(pubClient, subClient));
    adapter = 'redis ' + redisUrl;
  }
  ready = true;
  console.error(`socket.io ${require('socket.io/package.json').version} fan-out fixture on http://${host}:${port}` +
    `/socket.io/ (adapter: ${adapter}, node ${process.version}, pid ${process.pid})`);
}

main().catch((e) => {
  console.error('peer server failed to start:', e.message);
  process.exit(1);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
