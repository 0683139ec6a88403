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

    static synchronized String binary() {
        String configured = System.getenv("PROMTOOL");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String found = find();
        if (found != null) {
            return found;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            System.err.println("promtool is missing: running apt-get install -y prometheus");
            install();
            if (find() == null) {
                apt("update");
                install();
            }
            found = find();
        }
        if (found == null) {
            throw new IllegalStateException("promtool is needed to validate deploy/prometheus and was not found: "
                    + "run apt-get install -y prometheus (as root), or set PROMTOOL");
        }
        return found;
    }

    private static void install() {
        apt("install", "-y", "--no-install-recommends", "prometheus");
    }

    private static String find() {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/local/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool").toString();
            }
        }
        return null;
    }

    private static void apt(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("apt-get");
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            pb.start().waitFor(10, TimeUnit.MINUTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
