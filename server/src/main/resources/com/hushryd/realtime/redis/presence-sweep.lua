-- Drops a user's expired registrations. KEYS: 1 sockets hushryd:presence:{<user>}, 2 seen
-- hushryd:presence:{<user>}:seen (slot: {<user>}). ARGV: 1 now, 2 ttl. Returns 1 if that made the user offline.
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local purged = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if purged > 0 and redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], tostring(tonumber(newest[2]) - tonumber(ARGV[2])), 'PX', 2592000000)
  return 1
end
return 0
