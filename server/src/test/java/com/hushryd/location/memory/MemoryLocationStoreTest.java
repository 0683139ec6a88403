package com.hushryd.location.memory;

import com.hushryd.location.LocationStore;
import com.hushryd.location.LocationStoreContract;
import java.time.Clock;
import java.time.Duration;

class MemoryLocationStoreTest extends LocationStoreContract {
    @Override
    protected LocationStore create(Duration ttl, Clock clock) {
        return new MemoryLocationStore(ttl, clock);
    }
}
