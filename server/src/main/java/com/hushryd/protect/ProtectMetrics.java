package com.hushryd.protect;

/** Counters of the protection layer; bound to Micrometer in {@code ops}. */
public interface ProtectMetrics {
    ProtectMetrics NONE = new ProtectMetrics() {
        @Override
        public void rateLimit(String policy, boolean allowed) {
        }

        @Override
        public void shed(String routeClass) {
        }
    };

    /** One rate-limit decision of a policy ({@code anonymous}, {@code critical}, ...). */
    void rateLimit(String policy, boolean allowed);

    /** One request refused by the load shedder. */
    void shed(String routeClass);
}
