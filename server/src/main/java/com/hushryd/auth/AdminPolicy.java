package com.hushryd.auth;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** Admin endpoints answer only callers with the admin role who connect from one of the allowed networks. */
public final class AdminPolicy {
    private final List<Cidr> allowed;

    public AdminPolicy(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    public boolean networkAllowed(String remoteHost) {
        if (remoteHost == null) {
            return false;
        }
        Optional<InetAddress> address = Cidr.literal(remoteHost);
        return address.isPresent() && allowed.stream().anyMatch(c -> c.contains(address.get()));
    }
}
