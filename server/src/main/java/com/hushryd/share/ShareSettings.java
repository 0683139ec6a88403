package com.hushryd.share;

import com.hushryd.protect.ratelimit.Limit;
import java.time.Duration;

/**
 * @param afterEnd  how long a link keeps working once its trip is over (SHARE_TTL_AFTER_END)
 * @param rateLimit requests one link may serve, page and state together (SHARE_RATE_LIMIT)
 */
public record ShareSettings(Duration afterEnd, Limit rateLimit) {
}
