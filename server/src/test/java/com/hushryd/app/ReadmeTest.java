package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table and commands stay true to the code. */
class ReadmeTest {
    private static final Path ROOT = Path.of(System.getProperty("hushryd.repo.root", "..")).toAbsolutePath().normalize();

    @Test
    void configurationTable_listsEverySettingWithItsFlagAndDefault() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (Setting s : Setting.values()) {
            String def = s.defaultValue() == null ? "—" : "`" + s.defaultValue() + "`";
            assertThat(readme).contains("| `" + s.env() + "` | `" + s.flag() + "` | " + def + " |");
        }
    }

    @Test
    void ciRunsTheReadmeTestCommand() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String ci = Files.readString(ROOT.resolve(".ci/run"));
        assertThat(readme).contains("./hushryd serve").contains("mvn -B verify");
        assertThat(ci).contains("mvn -B verify");
    }
}
