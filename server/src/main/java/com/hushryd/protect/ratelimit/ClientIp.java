package com.hushryd.protect.ratelimit;

import com.hushryd.auth.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Who a request comes from, for per-IP limits. {@code X-Forwarded-For} is believed only when the connection comes
 * from a trusted proxy, and then only as far as the chain of trusted proxies goes: reading right to left, the first
 * address that is not a trusted proxy is the client. A client cannot pick its bucket by sending the header itself.
 */
public final class ClientIp {
    private final List<Cidr> trustedProxies;

    public ClientIp(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    public String resolve(String peer, String forwardedFor) {
        Optional<InetAddress> peerAddress = peer == null ? Optional.empty() : Cidr.literal(peer);
        if (peerAddress.isEmpty()) {
            return peer == null ? "unknown" : peer;
        }
        InetAddress client = peerAddress.get();
        if (forwardedFor == null || !trusted(client)) {
            return client.getHostAddress();
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0 && trusted(client); i--) {
            Optional<InetAddress> hop = Cidr.literal(hops[i].trim());
            if (hop.isEmpty()) {
                break; // garbage in the chain: the last proxy we trust is the best we know
            }
            client = hop.get();
        }
        return client.getHostAddress();
    }

    private boolean trusted(InetAddress a) {
        for (Cidr c : trustedProxies) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
