package com.hushryd.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line of {@code hushryd sim}: help, bad options and refused targets, all before any load is sent. */
class SimCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cmd = SimMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void help_listsEveryOptionWithItsDefault() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        CommandLine.Model.CommandSpec spec = SimMain.commandLine().getCommandSpec();
        String help = r.out().replaceAll("\\s+", " ");
        // picocli wraps lines anywhere, also inside a default value such as a URL
        String unwrapped = r.out().replaceAll("\\s+", "");
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            assertThat(help).contains(o.longestName());
            if (o.defaultValue() != null) {
                assertThat(unwrapped).as(o.longestName()).contains("(default:" + o.defaultValue() + ")");
            }
        }
        assertThat(help).contains("RATE_LIMIT_AUTHENTICATED").contains("--allow-remote");
        assertThat(r.out()).startsWith("Usage: hushryd sim ");
    }

    @Test
    void topLevelHelp_ofTheServer_stillListsSim() {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.execute("--help");
        assertThat(out.toString()).contains("sim");
    }

    @Test
    void nonLoopbackUrl_withoutAllowRemote_exits2WithAClearMessage() {
        Run r = run("--url", "http://192.168.1.20:8080", "--duration", "1s", "--ramp", "0s");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("hushryd sim: http://192.168.1.20:8080 is not a loopback address")
                .contains("--allow-remote").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void hostName_otherThanLocalhost_isRefusedToo() {
        Run r = run("--url", "http://127.0.0.1:8080,http://example.com:8080");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("http://example.com:8080 is not a loopback address");
    }

    @Test
    void invalidOptionValues_exit2NamingTheOption_withoutAStackTrace() {
        String[][] cases = {
            {"--drivers", "abc"}, {"--drivers", "0"}, {"--drivers", "20001"}, {"--passengers", "-1"},
            {"--duration", "5x"}, {"--duration", "0s"}, {"--ramp", "60s"}, {"--location-interval", "10ms"},
            {"--chat-interval", "10ms"}, {"--sos-rate", "-1"}, {"--sos-rate", "NaN"}, {"--timeout", "1h"},
            {"--local-addresses", "0"}, {"--http-connections", "0"}, {"--event-loops", "100"},
            {"--url", "https://127.0.0.1:8443"}, {"--no-such-option"}, {"--ack-log", "/dev/null/acks.tsv"},
            {"--rogue-drivers", "1.5"}, {"--rogue-drivers", "-0.1"}, {"--rogue-drivers", "NaN"}, {"--rogue-after", "2h"},
        };
        for (String[] c : cases) {
            Run r = run(c);
            assertThat(r.code()).as(String.join(" ", c)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", c)).contains(c[0].startsWith("--url") ? "expected http://" : c[0])
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void morePassengersThanSeats_refused() {
        Run r = run("--drivers", "2", "--passengers", "41");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--passengers: at most 20 per driver (40 for 2 drivers), got 41");
    }

    @Test
    void openFiles_withinTheSoftLimit_fit() {
        assertThat(SimCommand.openFilesProblem(1000, new com.hushryd.ops.OpenFiles.Limit(1024, 4096))).isEmpty();
        assertThat(SimCommand.openFilesProblem(1_000_000, new com.hushryd.ops.OpenFiles.Limit(-1, -1))).isEmpty();
    }

    @Test
    void openFiles_aboveTheSoftLimit_sayHowToRaiseIt() {
        assertThat(SimCommand.openFilesProblem(3000, new com.hushryd.ops.OpenFiles.Limit(1024, 4096)))
                .hasValueSatisfying(m -> assertThat(m).contains("needs about 3000 open files")
                        .contains("only 1024 (ulimit -n)").contains("ulimit -n 3000"));
    }

    @Test
    void openFiles_aboveTheHardLimit_sayHowManyUsersFit() {
        assertThat(SimCommand.openFilesProblem(25_000, new com.hushryd.ops.OpenFiles.Limit(20_000, 20_000)))
                .hasValueSatisfying(m -> assertThat(m).contains("hard limit (ulimit -Hn) is 20000")
                        .contains("at most 19900 users"));
    }
}
