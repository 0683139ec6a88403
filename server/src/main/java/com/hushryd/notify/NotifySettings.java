package com.hushryd.notify;

import java.util.List;
import java.util.Map;

/**
 * The providers of each channel (primary first, then fallback; none for a channel means the development outbox)
 * and their breakers.
 */
public record NotifySettings(Map<Channel, List<ProviderEndpoint>> providers, BreakerSettings breaker) {
    public NotifySettings {
        providers = Map.copyOf(providers);
    }

    public List<ProviderEndpoint> of(Channel channel) {
        return providers.getOrDefault(channel, List.of());
    }
}
