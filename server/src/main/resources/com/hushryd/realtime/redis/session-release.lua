-- Ends or shortens a recovery session, if still this incarnation's. KEYS: 1 session hushryd:rt:sess:{<pid>}
-- (slot: {<pid>}). ARGV: 1 incarnation, 2 ttl ms (0: delete).
if redis.call('HGET', KEYS[1], 'inc') ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
