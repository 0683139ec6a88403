package com.hushryd.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar bench/target/hushryd-bench.jar <benchmark> [options]}. */
@Command(name = "hushryd-bench", mixinStandardHelpOptions = true,
        description = "Load clients for HushRyd's benchmarks; each prints one comparable line.",
        subcommands = {FanoutCommand.class, ConnectionsCommand.class, LocationCommand.class, SosCommand.class,
            UploadsCommand.class, OutageCommand.class, ChaosCommand.class, ReplicaCommand.class, CommandLine.HelpCommand.class})
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
