package com.hushryd.bench.sim;

import com.hushryd.app.Version;
import picocli.CommandLine;

/**
 * {@code ./hushryd sim}: the launcher runs this class on the bench module's classpath (decision 0081), so that the
 * server jar carries no load generator. The command line is the one {@code hushryd sim} always had.
 */
public final class SimMain {
    private SimMain() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** {@code hushryd sim} with its usage name, version and the server's way of reporting a failure. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new SimCommand()).setCommandName("hushryd sim")
                .setCaseInsensitiveEnumValuesAllowed(true);
        cmd.getCommandSpec().version("hushryd " + Version.current());
        cmd.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("hushryd: " + ex.getMessage());
            return 1;
        });
        return cmd;
    }
}
