package com.hushryd.auth;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.BinaryOperator;

/**
 * Admin endpoints answer only callers with the admin role who connect from one of the allowed networks. The caller's
 * address is the peer's, or, behind proxies the node trusts (TRUSTED_PROXIES), the address they forwarded: behind
 * an nginx on the same host every peer is loopback, which the default allowed networks contain.
 */
public final class AdminPolicy {
    private final List<Cidr> allowed;
    private final BinaryOperator<String> clientAddress;

    /** Judges the peer's own address (no proxy trusted). */
    public AdminPolicy(List<Cidr> allowed) {
        this(allowed, (peer, forwardedFor) -> peer);
    }

    /** Judges {@code clientAddress(peer, X-Forwarded-For)}: the address trusted proxies forwarded, else the peer. */
    public AdminPolicy(List<Cidr> allowed, BinaryOperator<String> clientAddress) {
        this.allowed = List.copyOf(allowed);
        this.clientAddress = clientAddress;
    }

    /** Whether a request from {@code peer} carrying {@code forwardedFor} (may be null) comes from an allowed network. */
    public boolean networkAllowed(String peer, String forwardedFor) {
        return peer != null && networkAllowed(clientAddress.apply(peer, forwardedFor));
    }

    public boolean networkAllowed(String remoteHost) {
        if (remoteHost == null) {
            return false;
        }
        Optional<InetAddress> address = Cidr.literal(remoteHost);
        return address.isPresent() && allowed.stream().anyMatch(c -> c.contains(address.get()));
    }
}
