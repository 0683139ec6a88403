package com.hushryd.notify;

import java.util.Locale;

/** A way to reach a person; each channel has its own job queue, so a slow one never holds up another. */
public enum Channel {
    SMS, EMAIL, PUSH, IN_APP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The job queue of this channel, e.g. {@code notify-sms}. */
    public String queue() {
        return "notify-" + label().replace("_", "");
    }
}
