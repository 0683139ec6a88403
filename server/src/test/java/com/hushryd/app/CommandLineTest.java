package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandLineTest {

    private static String run(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(out));
        cmd.execute(args);
        return out.toString();
    }

    @Test
    void serveHelp_listsEverySettingWithItsVariable() {
        String help = run("serve", "--help").replaceAll("\\s+", " ");
        for (Setting s : Setting.values()) {
            assertThat(help).contains(s.flag()).contains("env " + s.env());
        }
    }

    @Test
    void topLevelHelp_listsCommands() {
        assertThat(run("--help")).contains("serve").contains("admin");
    }

    @Test
    void simOnTheServerJar_saysWhereTheSimulatorWent_andExits2() {
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute("sim", "--drivers", "20", "--help");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("bench module (decision 0081)")
                .contains("run: ./hushryd sim --drivers 20 --help").doesNotContain("\tat ");
        assertThat(run("--help").replaceAll("\\s+", " ")).contains("sim Simulate a city").contains("bench module");
    }

    @Test
    void serveWithBadPort_exitsWith2AndNamesTheVariable() {
        CommandLine cmd = Main.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute("serve", "--port", "not-a-port");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("invalid configuration: --port (PORT): expected a whole number");
    }
}
