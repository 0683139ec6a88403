-- take(KEYS, ARGV): lease up to ARGV[1] due jobs: first move delayed jobs whose time has come to the wait set,
-- then pop the best. Included by take.lua and settle-take.lua (RedisScript.composed).
-- KEYS: 1 wait, 2 delayed, 3 active
-- ARGV: 1 max, 2 lease ms, 3 token, 4 worker, 5 job key prefix
-- Returns {{id, attempt, type, payload, priority, max, backoff, timeout, roc, rof}..., next delayed due ms or -1}
local function take(KEYS, ARGV)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local k = ARGV[5] .. id
    local f = redis.call('HMGET', k, 'pri', 'seq')
    redis.call('ZREM', KEYS[2], id)
    if f[1] then
      redis.call('ZADD', KEYS[1], tonumber(f[1]) * 1e15 + tonumber(f[2]), id)
      redis.call('HSET', k, 'state', 'waiting')
    end
  end
  local out = {}
  local popped = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
  for i = 1, #popped, 2 do
    local id = popped[i]
    local k = ARGV[5] .. id
    if redis.call('EXISTS', k) == 1 then
      local attempt = redis.call('HINCRBY', k, 'attempts', 1)
      redis.call('HSET', k, 'state', 'active', 'token', ARGV[3], 'worker', ARGV[4], 'started', now)
      redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), id)
      local f = redis.call('HMGET', k, 'type', 'payload', 'pri', 'max', 'backoff', 'timeout', 'roc', 'rof')
      out[#out + 1] = {id, attempt, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]}
    end
  end
  local nxt = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  out[#out + 1] = nxt[2] and tonumber(nxt[2]) or -1
  return out
end
