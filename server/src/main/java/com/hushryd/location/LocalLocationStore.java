package com.hushryd.location;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A {@link LocationStore} held by this process that can list what it holds: the copy {@link FailoverLocationStore}
 * serves while the shared store is unreachable and writes back from when it returns. Its stages complete at once.
 */
public interface LocalLocationStore extends LocationStore {
    /** Every trip's latest location that has not expired. */
    void forEachLatest(Consumer<Location> action);

    /** A driver in the index (not expired): where and when last seen. */
    Optional<NearbyDriver> driver(UUID driverId);
}
