package com.hushryd.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The headless browser of the browser tests: Debian's Chromium at {@code /usr/bin/chromium} (or {@code CHROMIUM}),
 * installed with apt-get when missing and allowed (root with apt), as {@link TestNginx} installs nginx.
 */
public final class TestChromium {
    private TestChromium() {
    }

    /** The Chromium binary for playwright-core. */
    public static String binary() {
        return DebianPackage.require("chromium", TestChromium::find, "the browser tests",
                ", or set CHROMIUM to a Chromium binary");
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
}
