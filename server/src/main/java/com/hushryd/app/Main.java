package com.hushryd.app;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hushryd} command line. */
@Command(name = "hushryd",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "HushRyd: ride-sharing backend with live tracking, SOS, chat and background jobs.%n"
                + "Configuration comes from environment variables; each has a flag that overrides it.",
        subcommands = {ServeCommand.class, SimMovedCommand.class, WorkerCommand.class, AdminCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every setting registered as a flag on the commands that use it. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        SettingOptions.addTo(cmd.getSubcommands().get("serve").getCommandSpec(), List.of(Setting.values()));
        SettingOptions.addTo(cmd.getSubcommands().get("worker").getCommandSpec(), WorkerCommand.SETTINGS);
        SettingOptions.addTo(cmd.getSubcommands().get("admin").getSubcommands().get("create").getCommandSpec(),
                AdminCommand.Create.SETTINGS);
        for (String task : List.of("backup", "restore")) {
            SettingOptions.addTo(cmd.getSubcommands().get("admin").getSubcommands().get(task).getCommandSpec(),
                    AdminCommand.BACKUP_SETTINGS);
        }
        cmd.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("hushryd: " + (ex instanceof ConfigException ? "invalid configuration: " : "")
                    + ex.getMessage());
            return ex instanceof ConfigException ? 2 : 1;
        });
        return cmd;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hushryd " + Version.current()};
        }
    }
}
