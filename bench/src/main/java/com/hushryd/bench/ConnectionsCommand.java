package com.hushryd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hushryd.bench.load.LoadClients;
import com.hushryd.bench.load.SioConnection;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * P-CONN: holds many idle Socket.IO WebSocket connections (answering heartbeats) and reports how many stay connected
 * and the server's heap after a GC, read from the fixture's {@code /stats?gc=1}.
 */
@Command(name = "connections", mixinStandardHelpOptions = true,
        description = "Idle connection capacity benchmark (P-CONN).")
final class ConnectionsCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Server (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--connections", defaultValue = "10000", description = "Connections to hold (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--hold", defaultValue = "30", description = "Seconds to hold them (default: ${DEFAULT-VALUE}).")
    int hold;

    @Option(names = "--local-addresses", defaultValue = "4", description = "Loopback source addresses (default: ${DEFAULT-VALUE}).")
    int localAddresses;

    @Option(names = "--server-pid", defaultValue = "0", description = "Server process id, to report its resident memory.")
    long serverPid;

    @Option(names = "--label", defaultValue = "hushryd", description = "Name of the server in the output line.")
    String label;

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        LoadClients load = new LoadClients(vertx, url, localAddresses);
        System.err.printf("connections against %s: opening %d, holding %d s%n", url, connections, hold);
        long baseHeap = heapAfterGc();
        List<SioConnection> open = load.open(connections, 512, i -> "{}", (t, n) -> { }, "idle clients").stream().filter(java.util.Objects::nonNull).toList();
        Thread.sleep(hold * 1000L);
        long alive = open.stream().filter(SioConnection::connected).count();
        long heap = heapAfterGc();
        long rss = new ServerProbe(serverPid).rssBytes();
        System.out.println(String.format(Locale.ROOT, "%-10s connections opened=%d held=%d after %ds heap-after-gc=%dMB "
                        + "(%.1f KiB/connection over an idle server's %dMB) server-rss=%s", label, open.size(), alive,
                hold, heap >> 20, alive == 0 ? 0 : (heap - baseHeap) / 1024.0 / alive, baseHeap >> 20,
                rss < 0 ? "n/a" : (rss >> 20) + "MB"));
        open.forEach(SioConnection::close);
        vertx.close();
        return alive == connections ? 0 : 1;
    }

    private long heapAfterGc() {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    url.resolve("/stats?gc=1")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode s = new ObjectMapper().readTree(r.body());
            return s.path("heapUsedBytes").asLong(-1);
        } catch (Exception e) {
            return -1;
        }
    }
}
