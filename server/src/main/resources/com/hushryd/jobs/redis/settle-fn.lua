-- settle(KEYS, ARGV): one attempt settled, guarded by the lease token (a stale worker's settlement is ignored:
-- returns 0, else 1). Included by settle.lua and settle-take.lua (RedisScript.composed).
-- KEYS: 1 job, 2 active, 3 wait, 4 delayed, 5 completed, 6 failed, 7 wake, 8 rate bucket, 9 daily counts
-- ARGV: 1 id, 2 token, 3 outcome (complete|retry|fail|release), 4 attempt as a JSON array of one, 5 error,
--       6 delay ms (retry), 7 job key prefix, 8 hour field
local function settle(KEYS, ARGV)
  local function now()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  local function append(k, entry)
    local h = redis.call('HGET', k, 'history')
    if not h or h == '[]' then
      redis.call('HSET', k, 'history', entry)
    else
      redis.call('HSET', k, 'history', string.sub(h, 1, -2) .. ',' .. string.sub(entry, 2))
    end
  end
  local function trim(set, keep, prefix)
    local excess = redis.call('ZCARD', set) - keep
    if excess > 0 then
      local old = redis.call('ZRANGE', set, 0, excess - 1)
      for _, id in ipairs(old) do
        redis.call('DEL', prefix .. id)
      end
      redis.call('ZREMRANGEBYRANK', set, 0, excess - 1)
    end
  end
  if redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then
    return 0
  end
  redis.call('ZREM', KEYS[2], ARGV[1])
  local outcome = ARGV[3]
  local ts = now()
  if outcome == 'complete' then
    redis.call('INCR', KEYS[8])
    redis.call('EXPIRE', KEYS[8], 600)
    redis.call('HINCRBY', KEYS[9], ARGV[8], 1)
    local keep = tonumber(redis.call('HGET', KEYS[1], 'roc'))
    if keep == 0 then
      redis.call('DEL', KEYS[1])
      return 1
    end
    append(KEYS[1], ARGV[4])
    redis.call('HSET', KEYS[1], 'state', 'completed', 'finished', ts, 'token', '')
    redis.call('ZADD', KEYS[5], ts, ARGV[1])
    trim(KEYS[5], keep, ARGV[7])
    return 1
  end
  local f = redis.call('HMGET', KEYS[1], 'pri', 'seq', 'rof')
  if outcome == 'release' then
    redis.call('HINCRBY', KEYS[1], 'attempts', -1)
    redis.call('HSET', KEYS[1], 'state', 'waiting', 'token', '')
    redis.call('ZADD', KEYS[3], tonumber(f[1]) * 1e15 + tonumber(f[2]), ARGV[1])
    redis.call('LPUSH', KEYS[7], '1')
    redis.call('LTRIM', KEYS[7], 0, 63)
    return 1
  end
  append(KEYS[1], ARGV[4])
  redis.call('HSET', KEYS[1], 'error', ARGV[5], 'token', '')
  if outcome == 'retry' then
    local delay = tonumber(ARGV[6])
    if delay > 0 then
      redis.call('HSET', KEYS[1], 'state', 'delayed')
      redis.call('ZADD', KEYS[4], ts + delay, ARGV[1])
    else
      redis.call('HSET', KEYS[1], 'state', 'waiting')
      redis.call('ZADD', KEYS[3], tonumber(f[1]) * 1e15 + tonumber(f[2]), ARGV[1])
      redis.call('LPUSH', KEYS[7], '1')
      redis.call('LTRIM', KEYS[7], 0, 63)
    end
    return 1
  end
  -- fail: attempts exhausted
  local keep = tonumber(f[3])
  if keep == 0 then
    redis.call('DEL', KEYS[1])
    return 1
  end
  redis.call('HSET', KEYS[1], 'state', 'failed', 'finished', ts)
  redis.call('ZADD', KEYS[6], ts, ARGV[1])
  trim(KEYS[6], keep, ARGV[7])
  return 1
end
