-- Takes a driver out of one area cell. KEYS: 1 geo, 2 seen of the cell (slot: {cell:<i>:<j>}). ARGV: 1 driver,
-- 2 cutoff ms. Returns 1 if the driver was there and seen after the cutoff (still available).
local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if seen and tonumber(seen) > tonumber(ARGV[2]) then return 1 end
return 0
