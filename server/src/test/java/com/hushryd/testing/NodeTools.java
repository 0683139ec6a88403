package com.hushryd.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the Node.js interop scripts live; the test command installs their npm dependencies. */
public final class NodeTools {
    public static final Path DIR = Path.of(System.getProperty("hushryd.repo.root", ".."))
            .resolve("server/src/test/node").toAbsolutePath().normalize();

    private NodeTools() {
    }

    /** Fails with a clear message unless {@code npm ci} has run in the test tree. */
    public static Path script(String name) {
        if (!Files.isDirectory(DIR.resolve("node_modules/socket.io-client"))) {
            throw new IllegalStateException("npm dependencies missing in " + DIR
                    + ": run the README's test command (mvn -B verify), which installs them with npm ci");
        }
        return DIR.resolve(name);
    }
}
