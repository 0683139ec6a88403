package com.hushryd.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The reduced {@code kill-node} chaos scenario of CI: three nodes behind nginx, 200 simulated users, one node killed
 * with {@code kill -9} once they are all in, 20 s more of load; the run must lose nothing acknowledged (judged from PostgreSQL and Redis
 * by {@link ChaosVerdict}) and its sockets must come back through nginx.
 */
class ChaosKillNodeIT {

    @Test
    void killNineOfOneNode_underLoad_nothingAcknowledgedLost_andSocketsReconnect() throws Exception {
        ensureNginx();
        Path root = Path.of(System.getProperty("hushryd.repo.root", ".."));
        Path jar = root.resolve("server/target/hushryd.jar");
        assertThat(jar).as("the server jar, built by the reactor before this module").isRegularFile();

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        PrintStream console = System.out;
        System.setOut(new PrintStream(new Tee(console, table), true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new BenchMain()).execute("chaos", "--scenario", "kill-node", "--root",
                    root.toString(), "--jar", jar.toString(), "--nodes", "3", "--drivers", "40", "--passengers", "160", "--ramp", "5",
                    "--fault-at", "10", "--after", "20", "--settle", "40", "--escalate-after", "5s");
        } finally {
            System.setOut(console);
        }
        String out = table.toString(StandardCharsets.UTF_8);

        assertThat(code).as(out).isZero();
        assertThat(out).contains("verdict: PASS").doesNotContain("FAIL");
        // the run did acknowledge work, and the kill did cut sockets that then came back
        assertThat(number(out, "booking 0 of (\\d+)")).as(out).isPositive();
        assertThat(number(out, "chat 0 of (\\d+)")).as(out).isPositive();
        assertThat(number(out, "sockets reconnected: (\\d+)")).as(out).isPositive();
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("'" + regex + "' in the table").isTrue();
        return Long.parseLong(m.group(1));
    }

    /** nginx from Debian's packages: installed here when missing and allowed (root), else the exact command. */
    private static void ensureNginx() throws IOException, InterruptedException {
        if (Nginx.binary() != null) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            fail("nginx is not installed; install it with: sudo " + Nginx.INSTALL);
        }
        Process p = new ProcessBuilder("sh", "-c", "apt-get update -q && " + Nginx.INSTALL).inheritIO().start();
        if (p.waitFor() != 0 || Nginx.binary() == null) {
            fail("could not install nginx; install it with: " + Nginx.INSTALL);
        }
    }

    /** Writes to the console and keeps a copy. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
