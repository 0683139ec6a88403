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
        subcommands = {AdminCommand.Create.class})
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
}
