package com.hushryd.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console is built by npm in the Maven build: the build's own npm check (the {@code console-needs-npm} execution of
 * server/pom.xml, run as Maven runs it) stops with a message saying to install Node.js when npm is not on the PATH,
 * and the bundle is built into the classes, never into the sources.
 */
class ConsoleBuildTest {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath()
            .normalize();

    private static String npmCheck() throws Exception {
        String pom = Files.readString(ROOT.resolve("server/pom.xml"));
        Matcher m = Pattern.compile("<id>console-needs-npm</id>.*?<argument>-c</argument>\\s*<argument>(.*?)"
                + "</argument>", Pattern.DOTALL).matcher(pom);
        assertThat(m.find()).as("server/pom.xml has the console-needs-npm check").isTrue();
        return m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }

    private static Process run(String script, Path pathDir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true);
        pb.environment().put("PATH", pathDir.toString());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p;
    }

    @Test
    void npmMissing_buildStopsSayingToInstallNodeJs() throws Exception {
        Path empty = Files.createTempDirectory("no-npm");
        Process p = run(npmCheck(), empty);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isNotZero();
        assertThat(out).contains("npm was not found").contains("Install Node.js");
    }

    @Test
    void npmPresent_checkPasses() throws Exception {
        Path dir = Files.createTempDirectory("with-npm");
        Path npm = dir.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\nexit 0\n");
        npm.toFile().setExecutable(true);
        assertThat(run(npmCheck(), dir).exitValue()).isZero();
    }

    @Test
    void bundleIsBuiltIntoTheClasses_notTheSources() throws Exception {
        String pom = Files.readString(ROOT.resolve("server/pom.xml"));
        assertThat(pom).contains("<argument>${project.build.outputDirectory}/com/hushryd/console</argument>");
        assertThat(ROOT.resolve("server/src/main/resources/com/hushryd/console")).doesNotExist();
        assertThat(ROOT.resolve("server/src/main/console/package-lock.json")).exists();
        assertThat(ConsoleBuildTest.class.getClassLoader().getResource("com/hushryd/console/app.js"))
                .as("the Maven build bundled the console").isNotNull();
    }
}
