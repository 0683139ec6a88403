-- Registers a socket of a user. KEYS: 1 sockets hushryd:presence:{<user>}, 2 seen hushryd:presence:{<user>}:seen
-- (slot: {<user>}). ARGV: 1 now, 2 member, 3 expiry, 4 ttl. Returns 1 if the user was offline.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if before == 0 then return 1 else return 0 end
