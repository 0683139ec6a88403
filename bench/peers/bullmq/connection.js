'use strict';
// BullMQ connection options (ioredis) of a redis://[:password@]host:port[/db] URL; Workers need
// maxRetriesPerRequest null.
module.exports = function connectionOf(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), password: u.password || undefined,
    db: Number((u.pathname || '/0').slice(1) || 0), maxRetriesPerRequest: null };
};
