package com.hushryd.app;

import com.hushryd.common.LogFormat;
import com.hushryd.common.Logging;
import com.hushryd.auth.PasswordHasher;
import com.hushryd.auth.TokenService;
import com.hushryd.store.DataDirLock;
import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.EmbeddedPostgresServer;
import com.hushryd.users.UserService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hushryd admin ...}: operator tasks against a node's database. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Operator tasks.",
        subcommands = {AdminCommand.Create.class, AdminCommand.BackupCommand.class, AdminCommand.RestoreCommand.class})
final class AdminCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create an admin account. Uses DATABASE_URL, or the embedded database under DATA_DIR "
                    + "(also while a node is running on it).")
    static final class Create implements Callable<Integer> {
        static final List<Setting> SETTINGS = List.of(Setting.DATABASE_URL, Setting.DATA_DIR, Setting.BCRYPT_COST,
                Setting.LOG_LEVEL);

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--phone", required = true, description = "Phone of the admin, e.g. +919812345678.")
        String phone;

        @Option(names = "--name", defaultValue = "Administrator", description = "Display name (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--password", description = "Password (default: ADMIN_PASSWORD, else read from standard input).")
        String password;

        @Override
        public Integer call() throws Exception {
            java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.putIfAbsent("LOG_LEVEL", "warn");
            Config config = ConfigLoader.load(env, SettingOptions.given(spec, SETTINGS));
            Logging.configure(LogFormat.TEXT, config.logLevel());
            String pw = password != null ? password : System.getenv("ADMIN_PASSWORD");
            if (pw == null) {
                spec.commandLine().getErr().print("password: ");
                spec.commandLine().getErr().flush();
                pw = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            }
            if (pw == null) {
                spec.commandLine().getErr().println("hushryd: no password given");
                return 2;
            }
            DataDirLock lock = null;
            EmbeddedPostgresServer embedded = null;
            try {
                DatabaseUrl url;
                if (config.database().isPresent()) {
                    url = config.database().get();
                } else {
                    Optional<DataDirLock> acquired = DataDirLock.tryAcquire(config.dataDir());
                    if (acquired.isPresent()) {
                        lock = acquired.get();
                        embedded = EmbeddedPostgresServer.start(config.dataDir());
                        url = embedded.url();
                    } else {
                        url = EmbeddedPostgresServer.running(config.dataDir()).orElseThrow(() ->
                                new IllegalStateException("DATA_DIR " + config.dataDir()
                                        + " is locked by a node whose database is not reachable"));
                    }
                }
                try (Database db = Database.connect(url, new Database.Settings(2, 0, Duration.ofSeconds(10),
                        Duration.ofSeconds(30), "hushryd-admin"), null)) {
                    db.migrate();
                    // the CLI never issues tokens; a throwaway key satisfies the service's constructor
                    TokenService unused = new TokenService(UUID.randomUUID() + UUID.randomUUID().toString(), null,
                            Duration.ofMinutes(1), Clock.systemUTC());
                    UserService users = new UserService(db, new PasswordHasher(config.bcryptCost()), unused,
                            Clock.systemUTC());
                    if (users.ensureAdmin(phone, pw, name)) {
                        spec.commandLine().getOut().println("created admin account " + phone);
                        return 0;
                    }
                    spec.commandLine().getErr().println("hushryd: an account with phone " + phone + " already exists");
                    return 1;
                }
            } finally {
                if (embedded != null) {
                    embedded.close();
                }
                if (lock != null) {
                    lock.close();
                }
            }
        }
    }

    /** The settings backup and restore read: where the database and DATA_DIR are, and how to reach S3. */
    static final List<Setting> BACKUP_SETTINGS = List.of(Setting.DATABASE_URL, Setting.DATA_DIR, Setting.LOG_LEVEL,
            Setting.S3_ENDPOINT, Setting.S3_REGION, Setting.S3_ACCESS_KEY_ID, Setting.S3_SECRET_ACCESS_KEY,
            Setting.S3_PATH_STYLE);

    /**
     * The node's database for an operator task: DATABASE_URL, else the embedded one under DATA_DIR, started here
     * when no node runs on it (and stopped by {@link #close}), else the running node's when {@code shared} allows it.
     */
    static final class TaskDatabase implements AutoCloseable {
        final DatabaseUrl url;
        private final DataDirLock lock;
        private final EmbeddedPostgresServer embedded;

        private TaskDatabase(DatabaseUrl url, DataDirLock lock, EmbeddedPostgresServer embedded) {
            this.url = url;
            this.lock = lock;
            this.embedded = embedded;
        }

        static TaskDatabase open(Config config, boolean shared) throws java.io.IOException {
            if (config.database().isPresent()) {
                return new TaskDatabase(config.database().get(), null, null);
            }
            Optional<DataDirLock> acquired = DataDirLock.tryAcquire(config.dataDir());
            if (acquired.isEmpty()) {
                if (!shared) {
                    throw new com.hushryd.ops.backup.BackupException("a node is running on DATA_DIR "
                            + config.dataDir() + ": stop it first");
                }
                return new TaskDatabase(EmbeddedPostgresServer.running(config.dataDir()).orElseThrow(() ->
                        new IllegalStateException("DATA_DIR " + config.dataDir()
                                + " is locked by a node whose database is not reachable")), null, null);
            }
            try {
                EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(config.dataDir());
                return new TaskDatabase(pg.url(), acquired.get(), pg);
            } catch (java.io.IOException | RuntimeException e) {
                acquired.get().close();
                throw e;
            }
        }

        @Override
        public void close() throws java.io.IOException {
            if (embedded != null) {
                embedded.close();
            }
            if (lock != null) {
                lock.close();
            }
        }
    }

    private static Config taskConfig(CommandLine.Model.CommandSpec spec) {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.putIfAbsent("LOG_LEVEL", "warn");
        Config config = ConfigLoader.load(env, SettingOptions.given(spec, BACKUP_SETTINGS));
        Logging.configure(LogFormat.TEXT, config.logLevel());
        return config;
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = {"Back up everything the node keeps: a consistent dump of the database (including the "
                    + "generated secrets), the local object store and the SOS journal under DATA_DIR. Uses "
                    + "DATABASE_URL, or the embedded database under DATA_DIR (also while a node runs on it).",
                "Objects kept in S3 (OBJECT_STORE=s3) are not copied: protect that bucket with versioning or "
                    + "replication."})
    static final class BackupCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--to", required = true, paramLabel = "DIR|s3://bucket/prefix",
                description = "A new or empty directory, or an S3 prefix (S3_ENDPOINT, S3_REGION and credentials "
                        + "from the S3_* settings).")
        String to;

        @Override
        public Integer call() throws Exception {
            Config config = taskConfig(spec);
            java.io.PrintWriter out = spec.commandLine().getOut();
            com.hushryd.ops.backup.BackupLocation location = com.hushryd.ops.backup.BackupLocation.parse(to,
                    Optional.of(config.ops().backupS3()));
            try (TaskDatabase db = TaskDatabase.open(config, true)) {
                java.nio.file.Path staged = location.stage();
                try {
                    com.hushryd.ops.backup.Backup.create(db.url, config.dataDir(), staged, Version.current(),
                            line -> {
                                out.println(line);
                                out.flush();
                            });
                    location.publish(staged, out::println);
                } finally {
                    location.cleanUp(staged);
                }
                return 0;
            } catch (com.hushryd.ops.backup.BackupException e) {
                spec.commandLine().getErr().println("hushryd: backup failed: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Restore a backup into DATABASE_URL, or the embedded database of a fresh DATA_DIR (no "
                    + "node may run on it), and its files into DATA_DIR. Every checksum is verified first.",
                "A database that already holds users, trips, bookings or SOS alerts is refused unless --force."})
    static final class RestoreCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--from", required = true, paramLabel = "DIR|s3://bucket/prefix",
                description = "The backup's directory or S3 prefix.")
        String from;

        @Option(names = "--force", description = "Replace the data of a database that is not empty.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            Config config = taskConfig(spec);
            java.io.PrintWriter out = spec.commandLine().getOut();
            com.hushryd.ops.backup.BackupLocation location = com.hushryd.ops.backup.BackupLocation.parse(from,
                    Optional.of(config.ops().backupS3()));
            try (TaskDatabase db = TaskDatabase.open(config, false)) {
                java.nio.file.Path local = location.fetch(out::println);
                try {
                    com.hushryd.ops.backup.Backup.restore(local, db.url, config.dataDir(), force, line -> {
                        out.println(line);
                        out.flush();
                    });
                } finally {
                    location.cleanUp(local);
                }
                return 0;
            } catch (com.hushryd.ops.backup.BackupException e) {
                spec.commandLine().getErr().println("hushryd: restore failed: " + e.getMessage());
                return 1;
            }
        }
    }
}
