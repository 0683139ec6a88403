package com.hushryd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The headless browser of the browser tests: Debian's Chromium at {@code /usr/bin/chromium} (or {@code CHROMIUM}),
 * installed with apt-get when missing and allowed (root with apt), as {@link TestNginx} installs nginx.
 */
public final class TestChromium {
    private TestChromium() {
    }

    /** The Chromium binary for playwright-core. */
    public static synchronized String binary() {
        String found = find();
        if (found == null && "root".equals(System.getProperty("user.name"))
                && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            System.err.println("chromium is missing: running apt-get install -y chromium");
            run("apt-get", "install", "-y", "chromium");
            if (find() == null) {
                run("apt-get", "update");
                run("apt-get", "install", "-y", "chromium");
            }
            found = find();
        }
        if (found == null) {
            throw new IllegalStateException("Chromium is needed by the browser tests and was not found: "
                    + "run apt-get install -y chromium (as root), or set CHROMIUM to a Chromium binary");
        }
        return found;
    }

    /** A node process for a browser script, told where Chromium is. */
    public static ProcessBuilder script(String name, String... args) {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "node";
        cmd[1] = NodeTools.script(name).toString();
        System.arraycopy(args, 0, cmd, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(NodeTools.DIR.toFile());
        pb.environment().put("CHROMIUM", binary());
        return pb;
    }

    private static String find() {
        String env = System.getenv("CHROMIUM");
        for (String candidate : new String[] {env, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (candidate != null && !candidate.isBlank() && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    private static void run(String... cmd) {
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
