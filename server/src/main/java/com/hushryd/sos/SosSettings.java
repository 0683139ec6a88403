package com.hushryd.sos;

import java.time.Duration;
import java.util.Optional;

/**
 * @param escalateAfter  how long an alert may stay unacknowledged at each step of the ladder before the next tier is
 *                       alerted (SOS_ACK_DEADLINE)
 * @param onCallPhone    the on-call contact's phone (SMS on escalation), if any
 * @param onCallEmail    the on-call contact's email, if any
 * @param attempts       how many times each SOS notification is tried before it is marked failed
 * @param tiers          the ladder's tiers after the on-call contact (SOS_ESCALATION_TIERS)
 * @param repeats        how many more times the last tier is alerted while nobody acknowledges
 */
public record SosSettings(Duration escalateAfter, Optional<String> onCallPhone, Optional<String> onCallEmail,
        int attempts, java.util.List<Tier> tiers, int repeats) {

    public SosSettings {
        tiers = java.util.List.copyOf(tiers);
    }

    /** One tier of the ladder: whom it alerts. */
    public record Tier(java.util.List<Contact> contacts) {
        public Tier {
            contacts = java.util.List.copyOf(contacts);
        }
    }

    /** A contact of a tier: {@code channel} is sms, email or push (to a user id). */
    public record Contact(String channel, String to) {
    }

    /** Escalation steps an unacknowledged alert goes through: the on-call tier, the further tiers, the repeats. */
    public int steps() {
        return 1 + tiers.size() + repeats;
    }

    public static final int DEFAULT_ATTEMPTS = 10;
    /** The wait before the first retry; it doubles for each further one, so ten attempts span about 17 minutes. */
    public static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
}
