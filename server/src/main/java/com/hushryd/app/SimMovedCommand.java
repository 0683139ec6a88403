package com.hushryd.app;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sim} run on the server jar itself: the city simulator is a load generator and lives in the bench module
 * (decision 0081), so this only says how to run it, whatever the options, and exits 2.
 */
@Command(name = "sim", description = "Simulate a city against running nodes. The simulator is in the bench module, "
        + "not in this jar: run it with the launcher of a clone of the repository (hushryd sim --help lists its "
        + "options).")
final class SimMovedCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Unmatched
    List<String> options;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("hushryd sim: the city simulator is not in the server jar; it is in the "
                + "bench module (decision 0081). From a clone of the repository run: ./hushryd sim"
                + (options == null || options.isEmpty() ? "" : " " + String.join(" ", options)));
        spec.commandLine().getErr().flush();
        return 2;
    }
}
