package com.hushryd.protect.ratelimit;

import java.time.Duration;

/**
 * Progressive penalties for repeat offenders. A <em>strike</em> is one episode of being refused: the first refusal,
 * or the first after the client was let through again. Strikes are forgotten {@code memory} after the last one. The
 * first {@code freeStrikes} strikes only cost the normal wait; each strike beyond them blocks the client's bucket for
 * {@code base}, doubling per further strike, up to {@code max}.
 */
public record Penalties(Duration base, Duration memory, Duration max, int freeStrikes) {
    public static final Penalties NONE = new Penalties(Duration.ZERO, Duration.ofMinutes(15), Duration.ZERO, 2);

    /** Penalties starting at {@code base} (zero: none), remembered 15 minutes, at most one hour, after 2 free strikes. */
    public static Penalties of(Duration base) {
        Duration max = base.compareTo(Duration.ofHours(1)) > 0 ? base : Duration.ofHours(1);
        return new Penalties(base, Duration.ofMinutes(15), base.isZero() ? Duration.ZERO : max, 2);
    }

    public boolean enabled() {
        return !base.isZero();
    }

    /** How long strike number {@code strikes} blocks the bucket (zero for a free strike). */
    public long blockMillis(int strikes) {
        if (!enabled() || strikes <= freeStrikes) {
            return 0;
        }
        int doublings = Math.min(strikes - freeStrikes - 1, 30);
        return Math.min(base.toMillis() << doublings, max.toMillis());
    }
}
