-- Enqueue one job atomically. All keys share the queue's hash tag, so this runs on one Cluster slot.
-- KEYS: 1 wait, 2 delayed, 3 seq, 4 wake, 5 job hash, 6 idempotency key (a dummy key of the queue when none)
-- ARGV: 1 id, 2 type, 3 payload, 4 priority rank, 5 delay ms, 6 max attempts, 7 backoff ms, 8 timeout ms,
--       9 removeOnComplete, 10 removeOnFail, 11 '1' when an idempotency key is given, 12 key ttl seconds
-- Returns {id, position (jobs ahead), duplicate (0/1)}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[11] == '1' then
  local existing = redis.call('GET', KEYS[6])
  if existing then
    local rank = redis.call('ZRANK', KEYS[1], existing)
    return {existing, rank or 0, 1}
  end
end
if redis.call('EXISTS', KEYS[5]) == 1 then
  -- the outbox relay delivers again after a crash: the job is already here
  local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
  return {ARGV[1], rank or 0, 1}
end
local seq = redis.call('INCR', KEYS[3])
local pri = tonumber(ARGV[4])
local delay = tonumber(ARGV[5])
redis.call('HSET', KEYS[5], 'id', ARGV[1], 'type', ARGV[2], 'payload', ARGV[3], 'pri', pri, 'seq', seq,
  'attempts', 0, 'max', ARGV[6], 'backoff', ARGV[7], 'timeout', ARGV[8], 'roc', ARGV[9], 'rof', ARGV[10],
  'created', now, 'history', '[]', 'token', '')
if ARGV[11] == '1' then
  redis.call('SET', KEYS[6], ARGV[1], 'EX', tonumber(ARGV[12]))
end
if delay > 0 then
  redis.call('HSET', KEYS[5], 'state', 'delayed')
  redis.call('ZADD', KEYS[2], now + delay, ARGV[1])
  return {ARGV[1], redis.call('ZCOUNT', KEYS[1], '-inf', (pri + 1) * 1e15 - 1), 0}
end
redis.call('HSET', KEYS[5], 'state', 'waiting')
redis.call('ZADD', KEYS[1], pri * 1e15 + seq, ARGV[1])
redis.call('LPUSH', KEYS[4], '1')
redis.call('LTRIM', KEYS[4], 0, 63)
return {ARGV[1], redis.call('ZRANK', KEYS[1], ARGV[1]), 0}
