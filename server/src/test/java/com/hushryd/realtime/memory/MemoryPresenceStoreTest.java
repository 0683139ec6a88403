package com.hushryd.realtime.memory;

import com.hushryd.realtime.PresenceStore;
import com.hushryd.realtime.PresenceStoreContract;
import java.time.Clock;
import java.time.Duration;

class MemoryPresenceStoreTest extends PresenceStoreContract {
    @Override
    protected PresenceStore[] create(Clock clock, Duration ttl) {
        MemoryPresenceStore s = new MemoryPresenceStore(ttl, clock);
        return new PresenceStore[] {s, s};
    }
}
