package com.hushryd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A program the tests need from a Debian package: found where it is, or installed with {@code apt-get install -y}
 * (after an {@code apt-get update} if the first install did not bring it) when the tests run as root on a machine
 * with apt; otherwise the test fails with the command to run. Used for nginx, Chromium and promtool.
 */
final class DebianPackage {
    private DebianPackage() {
    }

    /**
     * The program {@code find} locates, installing {@code pkg} first when it finds none and installing is allowed.
     *
     * @param purpose what needs it, for the error message ("the browser tests")
     * @param otherwise what else the user can do, appended to the error message (", or set CHROMIUM"), or ""
     */
    static synchronized String require(String pkg, Supplier<String> find, String purpose, String otherwise) {
        String found = find.get();
        if (found != null) {
            return found;
        }
        if ("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            System.err.println(pkg + " is missing: running apt-get install -y " + pkg);
            apt("install", "-y", "--no-install-recommends", pkg);
            if (find.get() == null) {
                apt("update");
                apt("install", "-y", "--no-install-recommends", pkg);
            }
            found = find.get();
        }
        if (found == null) {
            throw new IllegalStateException(pkg + " is needed by " + purpose + " and was not found: run apt-get install -y "
                    + pkg + " (as root)" + otherwise);
        }
        return found;
    }

    /** The first directory of PATH and of {@code extraDirs} that holds an executable {@code name}, or null. */
    static String onPath(String name, String... extraDirs) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of(extraDirs));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
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
