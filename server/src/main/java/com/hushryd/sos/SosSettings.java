package com.hushryd.sos;

import java.time.Duration;
import java.util.Optional;

/**
 * @param escalateAfter  how long an alert may stay unacknowledged before the on-call contact is alerted
 * @param onCallPhone    the on-call contact's phone (SMS on escalation), if any
 * @param onCallEmail    the on-call contact's email, if any
 * @param attempts       how many times each SOS notification is tried before it is marked failed
 */
public record SosSettings(Duration escalateAfter, Optional<String> onCallPhone, Optional<String> onCallEmail,
        int attempts) {
    public static final int DEFAULT_ATTEMPTS = 10;
    /** The wait before the first retry; it doubles for each further one, so ten attempts span about 17 minutes. */
    public static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
}
