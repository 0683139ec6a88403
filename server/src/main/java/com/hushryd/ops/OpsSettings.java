package com.hushryd.ops;

import com.hushryd.auth.Cidr;
import java.util.List;

/**
 * Operational settings of a node.
 *
 * @param allowedCidrs   networks that may read {@code /metrics} and the detailed {@code /health} (OPS_ALLOWED_CIDRS)
 * @param trustedProxies proxies whose {@code X-Forwarded-For} names the client (TRUSTED_PROXIES)
 */
public record OpsSettings(List<Cidr> allowedCidrs, List<Cidr> trustedProxies) {
    public OpsSettings {
        allowedCidrs = List.copyOf(allowedCidrs);
        trustedProxies = List.copyOf(trustedProxies);
    }
}
