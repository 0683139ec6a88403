-- Move a job of the failed set back to waiting with fresh attempts; its history is kept.
-- KEYS: 1 failed, 2 wait, 3 wake, 4 job; ARGV: 1 id
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local f = redis.call('HMGET', KEYS[4], 'pri', 'seq')
redis.call('HSET', KEYS[4], 'attempts', 0, 'state', 'waiting', 'finished', '')
redis.call('ZADD', KEYS[2], tonumber(f[1]) * 1e15 + tonumber(f[2]), ARGV[1])
redis.call('LPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], 0, 63)
return 1
