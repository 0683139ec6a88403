package com.hushryd.app;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code host:port} another machine reaches this node at, as the cluster registry publishes it: ADVERTISE_ADDRESS
 * when set (its port defaults to the listening one); else HOST when it names one address; else, for a wildcard HOST
 * (0.0.0.0, ::), the first address of an interface that is up and not loopback (IPv4 before IPv6, link-local
 * addresses last); else loopback (decision 0061).
 */
final class AdvertisedAddress {
    private static final Set<String> WILDCARDS = Set.of("", "0.0.0.0", "::", "0:0:0:0:0:0:0:0", "[::]");

    private AdvertisedAddress() {
    }

    static String of(Optional<String> configured, String host, int port) {
        return of(configured, host, port, AdvertisedAddress::interfaceAddresses);
    }

    /** @param candidates the machine's interface addresses (those of interfaces that are up) */
    static String of(Optional<String> configured, String host, int port, Candidates candidates) {
        if (configured.isPresent()) {
            String a = configured.get();
            boolean hasPort = a.startsWith("[") ? a.contains("]:") : a.indexOf(':') >= 0 && a.indexOf(':') == a
                    .lastIndexOf(':');
            return hasPort ? a : withPort(a, port);
        }
        if (!WILDCARDS.contains(host.trim())) {
            return withPort(host, port);
        }
        return candidates.get().stream()
                .filter(a -> !a.isLoopbackAddress() && !a.isAnyLocalAddress() && !a.isMulticastAddress())
                .min(Comparator.comparingInt(AdvertisedAddress::preference))
                .map(a -> withPort(a.getHostAddress().replaceFirst("%.*$", ""), port))
                .orElse("127.0.0.1:" + port);
    }

    private static int preference(InetAddress a) {
        return (a.isLinkLocalAddress() ? 2 : 0) + (a instanceof Inet6Address ? 1 : 0);
    }

    private static String withPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The addresses of the interfaces that are up, in the order the system lists them. */
    interface Candidates {
        List<InetAddress> get();
    }

    private static List<InetAddress> interfaceAddresses() {
        List<InetAddress> all = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp() && !ni.isLoopback()) {
                    all.addAll(Collections.list(ni.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            // no interface list: loopback is what is left
        }
        return all;
    }
}
