package com.hushryd.app;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hushryd worker --queues a,b}: a process that only runs jobs, sharing the queues with every node and worker
 * pointed at the same engines. Stops gracefully on SIGTERM: running jobs finish within SHUTDOWN_TIMEOUT, the rest
 * go back to their queues.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, abbreviateSynopsis = true, usageHelpWidth = 100,
        description = "Run job workers only (no HTTP). Uses the same database, QUEUE_TYPE and engines as the nodes; "
                + "on embedded defaults it joins the database of the node running on DATA_DIR.")
final class WorkerCommand implements Callable<Integer> {
    /** The settings a worker needs; each is a flag of this command. */
    static final List<Setting> SETTINGS = workerSettings();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--queues", paramLabel = "<queues>",
            description = "Queues to work on: all (the built-in queues) or name[:concurrency[:perMinute]],... "
                    + "(same as --worker-queues / WORKER_QUEUES).")
    String queues;

    private static List<Setting> workerSettings() {
        List<Setting> s = new ArrayList<>();
        for (Setting x : Setting.values()) {
            switch (x) {
                case PORT, HOST, ADVERTISE_ADDRESS, HTTP_BODY_LIMIT, HTTP_BODY_TIMEOUT, HTTP_WORKER_THREADS, ACCESS_LOG, ADMIN_ALLOWED_CIDRS, OPS_ALLOWED_CIDRS,
                        ADMIN_PHONE,
                        ADMIN_PASSWORD, JWT_SECRET, JWT_PREVIOUS_SECRET, JWT_TTL, BCRYPT_COST, CONSOLE_TILE_URL -> {
                    // HTTP and accounts: not a worker's business
                }
                default -> s.add(x);
            }
        }
        return List.copyOf(s);
    }

    @Override
    public Integer call() throws Exception {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        flags.putAll(SettingOptions.given(spec, SETTINGS));
        if (queues != null) {
            flags.put(Setting.WORKER_QUEUES, queues);
        }
        Config config = ConfigLoader.load(System.getenv(), flags);
        return ServeCommand.runUntilStopped(spec, config, "worker", Node::startWorker);
    }
}
