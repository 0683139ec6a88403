package com.hushryd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus's {@code promtool}, from Debian's {@code prometheus} package. A machine without it gets it installed
 * ({@code apt-get install -y prometheus}) when the tests run as root with apt, as {@link TestNginx} does for nginx;
 * otherwise the test fails saying which command to run. {@code PROMTOOL} names another binary.
 */
public final class TestPromtool {
    private TestPromtool() {
    }

    /** What a promtool run printed and how it exited. */
    public record Run(int exitCode, String output) {
    }

    /** Runs {@code promtool args...} in {@code dir} and returns its exit code and output. */
    public static Run run(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary());
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("promtool", ".log");
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("promtool " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Run(p.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String binary() {
        String configured = System.getenv("PROMTOOL");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return DebianPackage.require("prometheus", () -> DebianPackage.onPath("promtool", "/usr/bin", "/usr/local/bin"),
                "the validation of deploy/prometheus", ", or set PROMTOOL");
    }
}
