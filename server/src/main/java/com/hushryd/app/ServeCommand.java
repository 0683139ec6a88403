package com.hushryd.app;

import com.hushryd.common.Logging;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import sun.misc.Signal;

/** {@code hushryd serve}: runs one node until SIGTERM/SIGINT, then stops it gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true, abbreviateSynopsis = true, usageHelpWidth = 100,
        description = "Start a node. With no configuration it runs on embedded defaults: an embedded PostgreSQL "
                + "under DATA_DIR and in-process state; it is ready when /health/ready answers 200.")
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--conformance", description = "Run only the Socket.IO gateway as the official "
            + "protocol test-suite's fixture (pingInterval 300 ms, pingTimeout 200 ms, namespaces / and /custom); "
            + "uses PORT and HOST, needs no database. Same as --fixture conformance.")
    boolean conformance;

    @CommandLine.Option(names = "--fixture", paramLabel = "<conformance|fanout>", description = "Run only the "
            + "Socket.IO gateway with a fixture application and no database: conformance (see --conformance) or "
            + "fanout (the fan-out benchmark: rooms from the CONNECT payload, publish(room, payload) broadcasts "
            + "msg(payload); Redis broker when REDIS_URL is set).")
    FixtureServer.Fixture fixture;

    @Override
    public Integer call() throws Exception {
        Config config = ConfigLoader.load(System.getenv(), SettingOptions.given(spec, List.of(Setting.values())));
        if (conformance || fixture != null) {
            Logging.configure(config.logFormat(), config.logLevel());
            FixtureServer server = conformance
                    ? FixtureServer.conformance(config.host(), config.port())
                    : FixtureServer.start(fixture, config);
            awaitShutdown(() -> {
                try {
                    server.close();
                } catch (Exception e) {
                    // exiting anyway
                }
            });
            return 0;
        }
        return runUntilStopped(spec, config, "node", c -> {
            StartupChecks.portIsFree(c.host(), c.port());
            return Node.start(c);
        });
    }

    /**
     * Blocks until SIGTERM/SIGINT, then runs {@code stop}, flushes the logs and returns, so that the process exits 0
     * after a clean drain (the JVM's default handling would exit 143 after its shutdown hooks). Any other way out
     * (System.exit elsewhere, SIGHUP) still stops through a shutdown hook.
     */
    static void awaitShutdown(Runnable stop) throws InterruptedException {
        CountDownLatch signalled = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.run();
            Logging.stop();
        }, "hushryd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), s -> signalled.countDown());
        }
        signalled.await();
        Runtime.getRuntime().removeShutdownHook(hook);
        stop.run();
        Logging.stop();
    }

    /** How a command starts its process. */
    interface Starter {
        Node start(Config config) throws Exception;
    }

    /**
     * Starts a node (or worker) and keeps it running until SIGTERM/SIGINT, then stops it gracefully. A start that
     * fails for a reason in the configuration or the environment prints one line naming it and returns 2; any other
     * failure is logged with its stack trace and returns 1.
     */
    static int runUntilStopped(CommandLine.Model.CommandSpec spec, Config config, String what, Starter starter)
            throws Exception {
        Logging.configure(config.logFormat(), config.logLevel());
        Node node;
        try {
            StartupChecks.dataDirIsWritable(config.dataDir());
            node = starter.start(config);
        } catch (Exception e) {
            Optional<String> cause = StartupFailure.explain(e, config);
            String line = cause.orElse(e.getMessage() == null ? e.toString() : e.getMessage());
            if (cause.isPresent()) {
                LoggerFactory.getLogger(ServeCommand.class).error("start-up failed: {}", line);
            } else {
                LoggerFactory.getLogger(ServeCommand.class).error("start-up failed: {}", line, e);
            }
            Logging.stop();
            spec.commandLine().getErr().println("hushryd: " + (what.equals("node") ? "" : what + " ")
                    + "start-up failed: " + line);
            return cause.isPresent() ? 2 : 1;
        }
        awaitShutdown(node::close);
        return 0;
    }
}
