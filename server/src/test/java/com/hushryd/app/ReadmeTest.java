package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void builtInQueueList_namesExactlyTheQueuesTheNodeWorksOn() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md")).replace('\n', ' ');
        Matcher list = Pattern.compile("\\(`WORKER_QUEUES=all`: ([^)]*)\\)").matcher(readme);
        assertThat(list.find()).as("README lists the built-in queues as (`WORKER_QUEUES=all`: `a`, `b`)").isTrue();
        List<String> listed = new ArrayList<>();
        Matcher name = Pattern.compile("`([a-z0-9-]+)`").matcher(list.group(1));
        while (name.find()) {
            listed.add(name.group(1));
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(Node.builtInQueues());
    }
}
