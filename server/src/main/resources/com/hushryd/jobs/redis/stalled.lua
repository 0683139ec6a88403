-- Hand back jobs whose lease expired (worker crashed or hung): retried while attempts remain, else failed.
-- KEYS: 1 active, 2 wait, 3 failed, 4 wake; ARGV: 1 job key prefix
-- Returns {retried, failed}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
local retried, failed = 0, 0
local reason = 'stalled: lease expired (worker crashed or hung)'
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local k = ARGV[1] .. id
  local f = redis.call('HMGET', k, 'attempts', 'max', 'pri', 'seq', 'worker', 'started', 'rof', 'history')
  if f[1] then
    local entry = cjson.encode({attempt = tonumber(f[1]), worker = f[5], startedAt = tonumber(f[6]) / 1000,
      finishedAt = now / 1000, error = reason})
    local h = f[8]
    if not h or h == '[]' then h = '[' .. entry .. ']' else h = string.sub(h, 1, -2) .. ',' .. entry .. ']' end
    redis.call('HSET', k, 'history', h, 'error', reason, 'token', '')
    if tonumber(f[1]) >= tonumber(f[2]) then
      redis.call('HSET', k, 'state', 'failed', 'finished', now)
      redis.call('ZADD', KEYS[3], now, id)
      local excess = redis.call('ZCARD', KEYS[3]) - tonumber(f[7])
      if excess > 0 then
        for _, old in ipairs(redis.call('ZRANGE', KEYS[3], 0, excess - 1)) do
          redis.call('DEL', ARGV[1] .. old)
        end
        redis.call('ZREMRANGEBYRANK', KEYS[3], 0, excess - 1)
      end
      failed = failed + 1
    else
      redis.call('HSET', k, 'state', 'waiting')
      redis.call('ZADD', KEYS[2], tonumber(f[3]) * 1e15 + tonumber(f[4]), id)
      retried = retried + 1
    end
  end
end
if retried > 0 then
  redis.call('LPUSH', KEYS[4], '1')
  redis.call('LTRIM', KEYS[4], 0, 63)
end
return {retried, failed}
