-- Puts a driver into one area cell's geo index as seen now. KEYS: 1 geo hushryd:drivers:{cell:<i>:<j>}:geo, 2 seen
-- hushryd:drivers:{cell:<i>:<j>}:seen (slot: {cell:<i>:<j>}). ARGV: 1 lng, 2 lat, 3 driver, 4 now.
redis.call('GEOADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
return 1
