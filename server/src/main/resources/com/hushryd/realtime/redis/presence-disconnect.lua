-- Removes a socket of a user. KEYS: 1 sockets hushryd:presence:{<user>}, 2 seen hushryd:presence:{<user>}:seen
-- (slot: {<user>}). ARGV: 1 now, 2 member. Returns 1 if this removed the user's last live socket.
local removed = redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  if removed == 1 then
    redis.call('SET', KEYS[2], ARGV[1], 'PX', 2592000000)
    return 1
  end
end
return 0
