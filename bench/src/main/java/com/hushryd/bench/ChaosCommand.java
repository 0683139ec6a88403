package com.hushryd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.bench.sim.SimMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 14's chaos suite: a cluster of this run's own (PostgreSQL, Redis, {@code --nodes} nodes, nginx in front,
 * {@link ChaosCluster}), the simulator through nginx, one fault injected at {@code --fault-at} once the users are
 * in, {@code --after} seconds more of load, and a verdict from PostgreSQL and Redis ({@link ChaosVerdict}) plus the scenario's own
 * conditions. Prints a table; exit status 0 only when every check passed.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Injects one fault into a local cluster under simulated load and checks from PostgreSQL and "
                + "Redis that nothing acknowledged was lost.")
final class ChaosCommand implements Callable<Integer> {
    enum Scenario {
        KILL_NODE("kill-node"), ROLLING_RESTART("rolling-restart"), REDIS_OUTAGE("redis-outage"),
        DB_OUTAGE("db-outage");

        final String name;

        Scenario(String name) {
            this.name = name;
        }

        static Scenario of(String name) {
            for (Scenario s : values()) {
                if (s.name.equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown scenario '" + name
                    + "': kill-node, rolling-restart, redis-outage or db-outage");
        }
    }

    @Option(names = "--scenario", required = true, description = "kill-node, rolling-restart, redis-outage or db-outage.")
    String scenario;

    @Option(names = "--nodes", defaultValue = "3", description = "Nodes behind nginx, 2-9 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--drivers", defaultValue = "40", description = "Simulated drivers (default: ${DEFAULT-VALUE}).")
    int drivers;

    @Option(names = "--passengers", defaultValue = "160", description = "Simulated passengers (default: ${DEFAULT-VALUE}).")
    int passengers;

    @Option(names = "--after", defaultValue = "30", description = "Seconds of load after the fault ended; then the simulator is stopped (SIGTERM) and reports (default: ${DEFAULT-VALUE}).")
    int after;

    @Option(names = "--ramp", defaultValue = "15", description = "Seconds over which users arrive (default: ${DEFAULT-VALUE}).")
    int ramp;

    @Option(names = "--fault-at", defaultValue = "30", description = "Seconds into the run when the fault starts at the earliest; it also waits until the users have arrived (default: ${DEFAULT-VALUE}).")
    int faultAt;

    @Option(names = "--down", defaultValue = "30", description = "Seconds Redis or PostgreSQL stays down (default: ${DEFAULT-VALUE}).")
    int down;

    @Option(names = "--restart-pause", defaultValue = "5", description = "rolling-restart: seconds between one node ready and the next stopped (default: ${DEFAULT-VALUE}).")
    int restartPause;

    @Option(names = "--sos-rate", defaultValue = "30", description = "SOS alerts per minute, left open so that they escalate (default: ${DEFAULT-VALUE}).")
    double sosRate;

    @Option(names = "--escalate-after", defaultValue = "10s", description = "The nodes' SOS_ESCALATE_AFTER (default: ${DEFAULT-VALUE}).")
    String escalateAfter;

    @Option(names = "--settle", defaultValue = "90", description = "Seconds after the run that the verdict may wait for notifications and escalations (default: ${DEFAULT-VALUE}).")
    int settle;

    @Option(names = "--base-port", defaultValue = "0", description = "nginx on this port, the nodes on the next ones, then PostgreSQL and Redis; 0: free ports (default: ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--jar", defaultValue = "server/target/hushryd.jar", description = "Server jar (default: ${DEFAULT-VALUE}).")
    Path jar;

    @Option(names = "--root", defaultValue = ".", description = "The repository, for deploy/ (default: the current directory).")
    Path root;

    @Option(names = "--work", description = "Directory for the cluster's data and logs (default: a new temporary one, deleted afterwards unless --keep).")
    Path work;

    @Option(names = "--keep", description = "Keep the work directory (logs, the simulator's report and acknowledgement log).")
    boolean keep;

    private long begin;
    /** How long the stand-in SMS vendor takes per message: the escalations' SMS jobs stay leased that long. */
    private static final long SMS_DELAY_MILLIS = 3000;
    /** kill-node waits at most this long for the victim to hold a leased job. */
    private static final long LEASE_WAIT_MILLIS = 20_000;

    @Override
    public Integer call() throws Exception {
        Scenario s;
        try {
            s = Scenario.of(scenario);
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            return 2;
        }
        if (nodes < 2 || nodes > 9 || faultAt < ramp || after < 20) {
            System.err.println("chaos: --nodes must be 2-9, --fault-at at least --ramp, --after at least 20");
            return 2;
        }
        if (!Files.isRegularFile(jar)) {
            System.err.println("chaos: no server jar at " + jar + " (build it: mvn -B -o -DskipTests install)");
            return 2;
        }
        if (!Files.isRegularFile(root.resolve("deploy/local-cluster.sh"))) {
            System.err.println("chaos: no deploy/local-cluster.sh under " + root.toAbsolutePath() + " (--root)");
            return 2;
        }
        if (Nginx.binary() == null) {
            System.err.println("chaos: nginx is not installed; install it with: " + Nginx.INSTALL);
            return 2;
        }
        boolean temporary = work == null;
        Path dir = temporary ? Files.createTempDirectory("hushryd-chaos") : Files.createDirectories(work);
        String loadBefore = loadAverage();
        Outcome outcome = new Outcome();
        try (SlowSmsVendor sms = new SlowSmsVendor(SMS_DELAY_MILLIS);
                ChaosCluster cluster = new ChaosCluster(root, dir, jar.toAbsolutePath(), nodes, basePort,
                        Map.of("SOS_ESCALATE_AFTER", escalateAfter, "SOS_ONCALL_PHONE", "+919800000000",
                                "SMS_PRIMARY_URL", sms.url(), "JOB_LEASE", "10s"))) {
            cluster.start();
            System.err.printf("# chaos %s: nginx %s in front of %d nodes (ports %s), PostgreSQL :%d, Redis :%d; work "
                    + "directory %s%n", s.name, cluster.url(), nodes, cluster.nodes.stream().map(n -> "" + n.port)
                    .toList(), cluster.pgPort, cluster.redisPort, dir);
            String probeToken = new Api(cluster.url()).register("passenger");
            Process sim = startSimulator(cluster, dir);
            begin = System.nanoTime();
            try (Prober prober = new Prober(cluster.url(), probeToken, 250)) {
                prober.start();
                sleepUntil(faultAt);
                Path progress = dir.resolve("sim-progress.log");
                awaitUsersSettled(progress);
                outcome.faultStartSim = simSecond(progress);
                inject(s, cluster, outcome);
                outcome.faultEndSim = simSecond(progress);
                Thread.sleep(after * 1000L);
                sim.destroy(); // SIGTERM: the simulator drains and reports
                if (!sim.waitFor(120, TimeUnit.SECONDS)) {
                    sim.destroyForcibly();
                    outcome.notes.add("the simulator did not end in time and was killed");
                }
                outcome.errorsLastGrew = errorsLastGrew(progress);
                outcome.simSeconds = simSecond(progress);
                prober.close();
                outcome.probeFailures = prober.failuresByKind();
                outcome.recovery = prober.recoverySeconds(outcome.faultEnd);
                outcome.probes = prober.probes();
            }
            JsonNode report = readReport(dir.resolve("sim-report.json"));
            ChaosVerdict verdict = new ChaosVerdict(dir.resolve("acks.tsv"));
            List<ChaosVerdict.Check> checks = settle(verdict, cluster, outcome);
            checks.addAll(scenarioChecks(s, cluster, outcome, report));
            print(s, outcome, report, verdict, checks, loadBefore, Files.readString(dir.resolve("sim-out.txt")));
            boolean passed = checks.stream().allMatch(ChaosVerdict.Check::passed);
            if (!passed) {
                for (ChaosCluster.Node n : cluster.nodes) {
                    OwnServers.printWarnings(n.id, n.log);
                }
            }
            return passed ? 0 : 1;
        } finally {
            if (temporary && !keep) {
                OwnServers.deleteTree(dir.toFile());
            }
        }
    }

    /** What happened during the fault, for the checks and the table. */
    private static final class Outcome {
        String fault = "";
        long faultStart;
        long faultEnd;
        final List<String> leasedJobs = new ArrayList<>();
        final Map<String, Integer> exitCodes = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();
        ChaosCluster.Node killed;
        Map<String, Long> probeFailures = Map.of();
        List<Prober.Probe> probes = List.of();
        double recovery;
        long faultStartSim;
        long faultEndSim;
        long errorsLastGrew;
        long simSeconds;
    }

    private Process startSimulator(ChaosCluster cluster, Path dir) throws IOException {
        // the simulator is in this module (decision 0081): a JVM of its own on this one's classpath
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx1g", "-XX:+UseParallelGC", "-cp",
                System.getProperty("java.class.path"), SimMain.class.getName(), "--url", cluster.url().toString(),
                "--drivers", "" + drivers,
                "--passengers", "" + passengers, "--duration", "1h", "--ramp", ramp + "s",
                "--sos-rate", "" + sosRate, "--chat-interval", "10s", "--reconnect", "--sos-open",
                "--ack-log", dir.resolve("acks.tsv").toString(),
                "--report-json", dir.resolve("sim-report.json").toString()));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("sim-out.txt").toFile())
                .redirectError(dir.resolve("sim-progress.log").toFile()).start();
    }

    private static final java.util.regex.Pattern READY = java.util.regex.Pattern.compile("ready (\\d+)/(\\d+) users");
    private static final java.util.regex.Pattern PROGRESS = java.util.regex.Pattern.compile(
            "^\\[\\s*(\\d+)s\\].* errors (\\d+) ");

    /** The simulator's clock: the second of its latest progress line. */
    private static long simSecond(Path progress) throws IOException {
        long second = 0;
        for (String line : Files.readAllLines(progress)) {
            java.util.regex.Matcher m = PROGRESS.matcher(line);
            if (m.find()) {
                second = Long.parseLong(m.group(1));
            }
        }
        return second;
    }

    /** The simulator's second at which its error count last grew (-1: never). */
    private static long errorsLastGrew(Path progress) throws IOException {
        long last = -1;
        long errors = 0;
        for (String line : Files.readAllLines(progress)) {
            java.util.regex.Matcher m = PROGRESS.matcher(line);
            if (m.find()) {
                long now = Long.parseLong(m.group(2));
                if (now > errors) {
                    last = Long.parseLong(m.group(1));
                }
                errors = now;
            }
        }
        return last;
    }

    /**
     * Waits until the simulated users have arrived (all ready, or the count unchanged for 3 s: some failed on the
     * way), so that the fault hits a city in its steady state, not one still signing up; at most 3 minutes.
     */
    private void awaitUsersSettled(Path progress) throws IOException, InterruptedException {
        long last = -1;
        int unchanged = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            List<String> lines = Files.readAllLines(progress);
            java.util.regex.Matcher m = READY.matcher(lines.isEmpty() ? "" : lines.get(lines.size() - 1));
            if (m.find()) {
                long ready = Long.parseLong(m.group(1));
                if (ready == Long.parseLong(m.group(2))) {
                    return;
                }
                unchanged = ready == last ? unchanged + 1 : 0;
                if (unchanged >= 3 && ready > 0) {
                    return;
                }
                last = ready;
            }
            Thread.sleep(1000);
        }
    }

    private void inject(Scenario s, ChaosCluster cluster, Outcome o) throws Exception {
        o.faultStart = System.nanoTime();
        switch (s) {
            case KILL_NODE -> {
                ChaosCluster.Node victim = cluster.nodes.get(cluster.nodes.size() - 1);
                // kill it while it holds a job (an escalation SMS to the slow vendor), if it gets one soon enough
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEASE_WAIT_MILLIS);
                List<String> leased = ChaosVerdict.leasedBy(cluster.jdbcUrl(), victim.id);
                while (leased.isEmpty() && System.nanoTime() < until) {
                    Thread.sleep(100);
                    leased = ChaosVerdict.leasedBy(cluster.jdbcUrl(), victim.id);
                }
                o.faultStart = System.nanoTime();
                o.leasedJobs.addAll(leased);
                cluster.kill(victim);
                o.killed = victim;
                o.fault = String.format(Locale.ROOT, "kill -9 of %s at t=%.1f s (it held %d leased jobs)", victim.id,
                        seconds(o.faultStart), o.leasedJobs.size());
            }
            case ROLLING_RESTART -> {
                for (ChaosCluster.Node node : cluster.nodes) {
                    o.exitCodes.put(node.id, cluster.drain(node, 60));
                    cluster.restart(node);
                    Thread.sleep(restartPause * 1000L);
                }
                o.fault = String.format(Locale.ROOT, "SIGTERM and restart of each of %d nodes in turn, t=%.1f-%.1f s; "
                        + "exit statuses %s", nodes, seconds(o.faultStart), seconds(System.nanoTime()), o.exitCodes);
            }
            case REDIS_OUTAGE -> {
                cluster.stopRedis();
                Thread.sleep(down * 1000L);
                cluster.startRedis();
                o.fault = String.format(Locale.ROOT, "Redis stopped at t=%.1f s for %d s, accepting again at t=%.1f s",
                        seconds(o.faultStart), down, seconds(System.nanoTime()));
            }
            case DB_OUTAGE -> {
                cluster.stopPostgres();
                Thread.sleep(down * 1000L);
                cluster.startPostgres();
                o.fault = String.format(Locale.ROOT, "PostgreSQL stopped at t=%.1f s for %d s, accepting again at "
                        + "t=%.1f s", seconds(o.faultStart), down, seconds(System.nanoTime()));
            }
        }
        o.faultEnd = System.nanoTime();
        System.err.println("# fault: " + o.fault);
    }

    /** Evaluates the verdict until it passes or {@code --settle} seconds have gone by (notifications, escalations). */
    private List<ChaosVerdict.Check> settle(ChaosVerdict verdict, ChaosCluster cluster, Outcome o) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settle);
        while (true) {
            List<ChaosVerdict.Check> checks = new ArrayList<>(verdict.evaluate(cluster.jdbcUrl(), cluster.redisPort));
            if (o.killed != null) {
                checks.add(ChaosVerdict.leasedJobsCarriedOut(cluster.jdbcUrl(), o.leasedJobs));
            }
            if (checks.stream().allMatch(ChaosVerdict.Check::passed) || System.nanoTime() > deadline) {
                return checks;
            }
            Thread.sleep(2000);
        }
    }

    private List<ChaosVerdict.Check> scenarioChecks(Scenario s, ChaosCluster cluster, Outcome o, JsonNode report) {
        List<ChaosVerdict.Check> checks = new ArrayList<>();
        long crashed = cluster.nodes.stream().filter(n -> n != o.killed && !n.process.isAlive()).count();
        checks.add(new ChaosVerdict.Check("nodes not running at the end (other than the one killed)",
                cluster.nodes.size(), crashed, crashed + " of " + cluster.nodes.size()));
        long httpFailed = httpErrors(report);
        long probeFailed = o.probeFailures.values().stream().mapToLong(Long::longValue).sum();
        long serverErrors = o.probes.stream().filter(p -> p.status() >= 500 && p.status() != 503).count()
                + errorsOfKind(report, "http 500");
        checks.add(new ChaosVerdict.Check("answers 500 or other server errors (probe 5xx but 503; sim http 500)",
                0, serverErrors, "" + serverErrors));
        // the run must have settled: no error counted in its last 5 s (a missing receipt is counted 10 s after its
        // send, so errors caused by the fault stop growing about 10 s after service came back; --after is >= 20 s)
        boolean stillFailing = o.errorsLastGrew >= 0 && o.errorsLastGrew > o.simSeconds - 5;
        checks.add(new ChaosVerdict.Check("simulator still counting errors in the last 5 s of the run", 1,
                stillFailing ? 1 : 0, "errors last grew at t=" + o.errorsLastGrew + " s of " + o.simSeconds + " s"));
        switch (s) {
            case KILL_NODE -> {
                long reconnects = op(report, "socket.reconnect").path("count").asLong();
                long notReconnected = op(report, "socket.reconnect").path("errors").asLong();
                checks.add(new ChaosVerdict.Check("sockets not reconnected within the timeout", reconnects,
                        notReconnected, notReconnected + " (" + reconnects + " reconnected)"));
            }
            case ROLLING_RESTART -> {
                long unclean = o.exitCodes.values().stream().filter(c -> c != 0).count();
                checks.add(new ChaosVerdict.Check("nodes not exiting 0 on SIGTERM (drained)", nodes, unclean,
                        "exit statuses " + o.exitCodes));
                checks.add(new ChaosVerdict.Check("failed HTTP requests through nginx (simulator and probe)", 0,
                        httpFailed + probeFailed, httpFailed + " + " + probeFailed));
                long notReconnected = op(report, "socket.reconnect").path("errors").asLong();
                checks.add(new ChaosVerdict.Check("sockets not reconnected within the timeout", 0, notReconnected,
                        "" + notReconnected));
            }
            case REDIS_OUTAGE -> {
                long restarted = cluster.nodes.stream().filter(n -> n.restarts > 0).count() + crashed;
                checks.add(new ChaosVerdict.Check("nodes restarted", nodes, restarted, "" + restarted));
                long sosFailed = op(report, "sos.trigger").path("errors").asLong();
                checks.add(new ChaosVerdict.Check("SOS not answered 201", op(report, "sos.trigger").path("count")
                        .asLong(), sosFailed, "" + sosFailed));
                checks.add(new ChaosVerdict.Check("API probes failed (PostgreSQL reads while Redis is down)",
                        o.probes.size(), probeFailed, o.probeFailures.toString()));
            }
            case DB_OUTAGE -> {
                long unclear = o.probes.stream().filter(p -> !p.ok() && !(p.status() == 503 && p.retryAfter()))
                        .count();
                checks.add(new ChaosVerdict.Check("probe failures other than 503 with Retry-After", o.probes.size(),
                        unclear, o.probeFailures.toString()));
                checks.add(new ChaosVerdict.Check("not recovered by the end of the run", 1, o.recovery < 0 ? 1 : 0,
                        o.recovery < 0 ? "last probe failed" : "recovered"));
            }
        }
        return checks;
    }

    private static final List<String> SOCKET_OPS = List.of("socket.connect", "socket.reconnect", "track.subscribe",
            "location.update", "location.fanout", "chat.typing", "chat.send", "chat.delivery");

    /** Errors of the simulator's HTTP operations (everything but its socket calls and receipts). */
    private static long httpErrors(JsonNode report) {
        long n = 0;
        for (JsonNode o : report.path("operations")) {
            if (!SOCKET_OPS.contains(o.path("name").asText())) {
                n += o.path("errors").asLong();
            }
        }
        return n;
    }

    private static long errorsOfKind(JsonNode report, String prefix) {
        long n = 0;
        for (JsonNode o : report.path("operations")) {
            var kinds = o.path("errorKinds").fields();
            while (kinds.hasNext()) {
                var k = kinds.next();
                if (k.getKey().startsWith(prefix)) {
                    n += k.getValue().asLong();
                }
            }
        }
        return n;
    }

    private static JsonNode op(JsonNode report, String name) {
        for (JsonNode o : report.path("operations")) {
            if (o.path("name").asText().equals(name)) {
                return o;
            }
        }
        return Api.MAPPER.createObjectNode();
    }

    private static JsonNode readReport(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
            throw new IOException("the simulator wrote no report (" + file + ")");
        }
        return Api.MAPPER.readTree(file.toFile());
    }

    private void print(Scenario s, Outcome o, JsonNode report, ChaosVerdict verdict, List<ChaosVerdict.Check> checks,
            String loadBefore, String simTable) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "chaos %s%n", s.name));
        b.append(String.format(Locale.ROOT, "  load:     %d nodes behind nginx; simulator: %d drivers, %d passengers, "
                + "%d s (ramp %d s), SOS %.0f/min left open; %d cores, load average %s before, %s after%n", nodes,
                drivers, passengers, o.simSeconds, ramp, sosRate, Runtime.getRuntime().availableProcessors(), loadBefore,
                loadAverage()));
        b.append("  fault:    ").append(o.fault).append(String.format(Locale.ROOT,
                " (simulator's clock: t=%d-%d s)%n", o.faultStartSim, o.faultEndSim));
        b.append("  requests failed, by operation and kind (the simulator's calls and receipts; probe = one GET "
                + "/trips/search through nginx every 250 ms):\n");
        int before = b.length();
        for (JsonNode op : report.path("operations")) {
            var kinds = op.path("errorKinds").fields();
            while (kinds.hasNext()) {
                var k = kinds.next();
                b.append(String.format(Locale.ROOT, "    %-18s %-44s %6d%n", op.path("name").asText(), k.getKey(),
                        k.getValue().asLong()));
            }
        }
        o.probeFailures.forEach((k, v) -> b.append(String.format(Locale.ROOT, "    %-18s %-44s %6d of %d%n", "probe",
                k, v, o.probes.size())));
        if (b.length() == before) {
            b.append("    none\n");
        }
        b.append("  acknowledged-but-lost (must be 0):");
        for (String kind : List.of("trip", "booking", "sos", "chat")) {
            ChaosVerdict.Check c = checks.stream().filter(x -> x.name().equals("acknowledged " + kind
                    + " lost or duplicated")).findFirst().orElseThrow();
            b.append(String.format(Locale.ROOT, " %s %d of %d;", kind, c.wrong(), verdict.acknowledged(kind)));
        }
        b.append('\n');
        JsonNode reconnect = op(report, "socket.reconnect");
        b.append(String.format(Locale.ROOT, "  recovery: API probe back %s after the fault ended; sockets reconnected: "
                + "%d (p50 %.0f ms, max %.0f ms); the simulator's errors last grew at t=%s (a missing receipt counts "
                + "10 s after its send)%n", o.recovery < 0 ? "NEVER" : o.recovery == 0 ? "0 s (never failed)"
                : String.format(Locale.ROOT, "%.1f s", o.recovery), reconnect.path("count").asLong(),
                reconnect.path("p50Ms").asDouble(), reconnect.path("maxMs").asDouble(),
                o.errorsLastGrew < 0 ? "never" : o.errorsLastGrew + " s"));
        b.append("  checks:\n");
        for (ChaosVerdict.Check c : checks) {
            b.append(String.format(Locale.ROOT, "    %s %s: %s%n", c.passed() ? "PASS" : "FAIL", c.name(), c.detail()));
        }
        o.notes.forEach(n -> b.append("  note: ").append(n).append('\n'));
        b.append("  verdict: ").append(checks.stream().allMatch(ChaosVerdict.Check::passed) ? "PASS" : "FAIL")
                .append('\n');
        System.out.println("# the simulator's report:");
        System.out.print(simTable);
        System.out.print(b);
        System.out.flush();
    }

    private double seconds(long nanos) {
        return (nanos - begin) / 1e9;
    }

    private void sleepUntil(int second) throws InterruptedException {
        long wait = begin + TimeUnit.SECONDS.toNanos(second) - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
