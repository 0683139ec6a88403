package com.hushryd.bench.sim;

import com.hushryd.bench.load.Targets;
import com.hushryd.common.Durations;
import com.hushryd.common.Logging;
import com.hushryd.ops.OpenFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** {@code hushryd sim}: a simulated city against running nodes, with a live progress line and a final report. */
@Command(name = "sim", mixinStandardHelpOptions = true, usageHelpWidth = 110, sortOptions = false,
        description = {
            "Simulate a city against running nodes: drivers publish trips, go online and send locations over "
                    + "Socket.IO; passengers search, book, track their trip, chat with their driver and now and then "
                    + "raise an SOS (resolved at once unless --sos-open). Prints a progress line every second (stderr) and a report "
                    + "with latency percentiles per operation and every error counted (stdout, and --report-json).",
            "Users are registered over HTTP (accounts must exist in the database anyway), so the run also "
                    + "measures register and login; start the node with a low BCRYPT_COST (e.g. 4) to keep "
                    + "password hashing from dominating a large run.",
            "Rate limits apply: every simulated user comes from this machine's address, so a node on its default "
                    + "limits answers most of a city 429 (counted as errors: they are real answers). For load runs "
                    + "start the node with higher RATE_LIMIT_ANONYMOUS, RATE_LIMIT_AUTHENTICATED, "
                    + "RATE_LIMIT_CRITICAL (e.g. 1000000/1m)."},
        footer = {"", "SIGTERM or Ctrl-C ends the run before --duration: calls in flight get the drain, then the "
                + "report is printed as usual.", "Exit status: 0 no errors, 1 errors or unfinished calls counted "
                + "(see the report), 2 bad options or a target refused."})
public final class SimCommand implements Callable<Integer> {
    static final int MAX_DRIVERS = 20_000;
    static final int MAX_PASSENGERS = 100_000;
    static final int MAX_SEATS = 20;
    /** Open files a simulator needs besides its sockets (jars, epoll, pipes, logs). */
    static final int FILE_OVERHEAD = OpenFiles.OVERHEAD;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", split = ",", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "Node(s) to load, comma-separated or repeated; users are spread over them round robin, a "
                    + "trip's riders starting on another node than its driver (default: ${DEFAULT-VALUE}). Loopback "
                    + "addresses only, unless --allow-remote.")
    List<String> urls;

    @Option(names = "--allow-remote", description = "Allow URLs that are not loopback addresses. Only load "
            + "machines you run.")
    boolean allowRemote;

    @Option(names = "--drivers", defaultValue = "100", description = "Simulated drivers, each with one trip, 1-"
            + MAX_DRIVERS + " (default: ${DEFAULT-VALUE}).")
    int drivers;

    @Option(names = "--passengers", defaultValue = "300", description = "Simulated passengers, 0-" + MAX_PASSENGERS
            + ", at most " + MAX_SEATS + " per driver; passenger i books a seat on driver i mod drivers' trip "
            + "(default: ${DEFAULT-VALUE}).")
    int passengers;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long the run lasts, ramp included, 1s-24h (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--ramp", defaultValue = "10s", converter = DurationConverter.class,
            description = "Users arrive evenly over this time; shorter than --duration (default: ${DEFAULT-VALUE}).")
    Duration ramp;

    @Option(names = "--location-interval", defaultValue = "2s", converter = DurationConverter.class,
            description = "Each driver on a running trip sends a location this often, 100ms-1h "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration locationInterval;

    @Option(names = "--chat-interval", defaultValue = "15s", converter = DurationConverter.class,
            description = "Each passenger on a running trip sends its driver a chat message (after chat:typing) "
                    + "this often, 100ms-1h, 0 for none (default: ${DEFAULT-VALUE}).")
    Duration chatInterval;

    @Option(names = "--sos-rate", defaultValue = "6", description = "SOS alerts per minute over the whole city, "
            + "each resolved right after it is accepted, 0-6000 (default: ${DEFAULT-VALUE}).")
    double sosRate;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "A call unanswered, or a location or chat message not received, after this long is an "
                    + "error (timeout / not received), 100ms-5m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--drain", defaultValue = "5s", converter = DurationConverter.class,
            description = "At the end, how long to wait for calls in flight; those still unanswered are reported "
                    + "as unfinished, 0-5m (default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Also write the report as JSON to FILE.")
    Path reportJson;

    @Option(names = "--local-addresses", defaultValue = "1", description = "Spread sockets over this many loopback "
            + "source addresses 127.0.0.1..127.0.0.N (against a loopback node, when ephemeral ports run out), 1-254 "
            + "(default: ${DEFAULT-VALUE}).")
    int localAddresses;

    @Option(names = "--http-connections", defaultValue = "256", description = "HTTP connections per node (calls "
            + "beyond them queue, and their wait counts in their latency), 1-10000 (default: ${DEFAULT-VALUE}).")
    int httpConnections;

    @Option(names = "--event-loops", defaultValue = "2", description = "Event-loop threads of the simulator, 1-64 "
            + "(default: ${DEFAULT-VALUE}).")
    int eventLoops;

    @Option(names = "--reconnect", description = "Open a socket again when it closes during the run (through "
            + "the same URL, so that a load balancer picks a live node) and restore its subscription; the time from "
            + "the close to the restored socket is the socket.reconnect operation. Without it a close is an error.")
    boolean reconnect;

    @Option(names = "--sos-open", description = "Leave SOS alerts open instead of resolving them, so that their "
            + "escalation falls due (each passenger raises at most one).")
    boolean sosOpen;

    @Option(names = "--rogue-drivers", defaultValue = "0", description = "Share of the drivers (0-1) that "
            + "misbehave after --rogue-after: in turn they stop half way, drive back away from the destination, go "
            + "silent, or speed; the report times each kind's detection (safety.<kind>: misbehaviour to the "
            + "passengers' safety:check) and counts checks on normal trips (safety.false_alarm) (default: "
            + "${DEFAULT-VALUE}).")
    double rogueDrivers;

    @Option(names = "--rogue-after", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long a rogue driver drives normally before misbehaving (default: ${DEFAULT-VALUE}).")
    Duration rogueAfter;

    @Option(names = "--ack-log", paramLabel = "FILE", description = "Write one line per create the nodes "
            + "acknowledged (trip, booking, SOS with its Idempotency-Key, chat message with its clientMessageId), "
            + "tab-separated, for checking against the database afterwards (bench/chaos.sh).")
    Path ackLog;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        Simulation.Settings settings;
        try {
            settings = settings();
        } catch (Targets.Refused e) {
            err.println("hushryd sim: " + e.getMessage());
            err.flush();
            return 2;
        }
        Optional<String> files = openFilesProblem(drivers + passengers + httpConnections * settings.nodes().size()
                + FILE_OVERHEAD, OpenFiles.Limit.read());
        if (files.isPresent()) {
            err.println("hushryd sim: " + files.get());
            err.flush();
            return 2;
        }
        // standard output is the report; the client library's warnings (e.g. connections reset) go with the progress
        Logging.toStandardError();
        err.printf("sim: %d drivers (%d seats each), %d passengers against %s for %s (ramp %s)%n", drivers,
                settings.seatsPerTrip(), passengers, settings.nodes(), duration, ramp);
        err.flush();
        Simulation simulation = new Simulation(settings, err);
        // SIGTERM or Ctrl-C ends the run early with its report (a chaos run stops it a set time after its fault)
        Map<String, SignalHandler> previous = new LinkedHashMap<>();
        for (String name : List.of("TERM", "INT")) {
            previous.put(name, Signal.handle(new Signal(name), sig -> simulation.requestStop()));
        }
        SimReport report;
        try {
            report = simulation.run();
        } finally {
            previous.forEach((name, handler) -> Signal.handle(new Signal(name), handler));
        }
        out.print(report.text());
        out.flush();
        if (reportJson != null) {
            Path parent = reportJson.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            SimHttp.MAPPER.writerWithDefaultPrettyPrinter().writeValue(reportJson.toFile(), report);
            err.println("sim: report written to " + reportJson);
            err.flush();
        }
        return report.totalErrors() + report.totalUnfinished() == 0 ? 0 : 1;
    }

    /** The options checked in one place; a bad value is a picocli usage error naming the option. */
    Simulation.Settings settings() throws Targets.Refused {
        range("--drivers", drivers, 1, MAX_DRIVERS);
        range("--passengers", passengers, 0, MAX_PASSENGERS);
        if (passengers > (long) drivers * MAX_SEATS) {
            throw usage("--passengers: at most " + MAX_SEATS + " per driver (" + (long) drivers * MAX_SEATS
                    + " for " + drivers + " drivers), got " + passengers);
        }
        range("--duration", duration, Duration.ofSeconds(1), Duration.ofHours(24));
        range("--ramp", ramp, Duration.ZERO, Duration.ofHours(24));
        if (ramp.compareTo(duration) >= 0) {
            throw usage("--ramp: must be shorter than --duration (" + duration + "), got " + ramp);
        }
        range("--location-interval", locationInterval, Duration.ofMillis(100), Duration.ofHours(1));
        if (!chatInterval.isZero()) {
            range("--chat-interval", chatInterval, Duration.ofMillis(100), Duration.ofHours(1));
        }
        if (!(sosRate >= 0 && sosRate <= 6000)) {
            throw usage("--sos-rate: must be between 0 and 6000 per minute, got " + sosRate);
        }
        range("--timeout", timeout, Duration.ofMillis(100), Duration.ofMinutes(5));
        range("--drain", drain, Duration.ZERO, Duration.ofMinutes(5));
        range("--local-addresses", localAddresses, 1, 254);
        range("--http-connections", httpConnections, 1, 10_000);
        range("--event-loops", eventLoops, 1, 64);
        if (!(rogueDrivers >= 0 && rogueDrivers <= 1)) {
            throw usage("--rogue-drivers: must be a share between 0 and 1, got " + rogueDrivers);
        }
        range("--rogue-after", rogueAfter, Duration.ZERO, Duration.ofHours(1));
        if (ackLog != null) {
            // found out now rather than after the users have signed up
            try {
                AckLog.open(ackLog).close();
            } catch (IOException | RuntimeException e) {
                throw usage("--ack-log: cannot write " + ackLog + " (" + e + ")");
            }
        }
        List<URI> nodes = Targets.check(urls, allowRemote);
        if (localAddresses > 1 && nodes.stream().anyMatch(u -> !Targets.isLoopback(u.getHost()))) {
            throw usage("--local-addresses: source addresses 127.0.0.x reach loopback nodes only");
        }
        return new Simulation.Settings(nodes, drivers, passengers, duration, ramp, locationInterval, chatInterval,
                sosRate, timeout, drain, localAddresses, httpConnections, eventLoops, reconnect, sosOpen, ackLog,
                rogueDrivers, rogueAfter);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private void range(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw usage(option + ": must be between " + min + " and " + max + ", got " + value);
        }
    }

    private void range(String option, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw usage(option + ": must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** Why {@code needed} open files do not fit the limit, or empty when they do. */
    static Optional<String> openFilesProblem(long needed, OpenFiles.Limit limit) {
        if (limit.soft() < 0 || needed <= limit.soft()) {
            return Optional.empty();
        }
        String what = "this run needs about " + needed + " open files (one per socket, plus HTTP connections and "
                + FILE_OVERHEAD + " for the JVM) but this process may open only " + limit.soft() + " (ulimit -n)";
        if (limit.hard() < 0 || needed <= limit.hard()) {
            return Optional.of(what + "; raise it first with: ulimit -n " + needed);
        }
        return Optional.of(what + ", and the hard limit (ulimit -Hn) is " + limit.hard() + "; simulate at most "
                + Math.max(0, limit.hard() - FILE_OVERHEAD) + " users minus the HTTP connections per process, "
                + "and run several simulators for more");
    }

    /** Reads 500ms, 10s, 2m, 1h or a bare number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Durations.parse(value);
            if (d == null) {
                throw new CommandLine.TypeConversionException("expected a duration such as 500ms, 10s or 2m, got '"
                        + value + "'");
            }
            return d;
        }
    }
}
