package com.hushryd.store;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** New row ids: UUID version 7 (time-ordered, so inserts stay local in the primary-key index). */
public final class Ids {
    private Ids() {
    }

    public static UUID newId() {
        long millis = System.currentTimeMillis();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (millis << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
