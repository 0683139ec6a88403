package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README and docs/ stay true to the code: settings, commands, queues, the API contract, links. */
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

    @Test
    void contractEndpointTable_listsExactlyTheOperationsOfOpenApi() throws Exception {
        JsonNode openapi = new ObjectMapper().readTree(ROOT.resolve("server/src/main/resources/openapi.json").toFile());
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = openapi.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            path.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " "
                    + path.getKey()));
        }
        Set<String> listed = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `([A-Z]+)` \\| `(/[^`]*)` \\|").matcher(contract());
        while (row.find()) {
            listed.add(row.group(1) + " " + row.group(2));
        }
        assertThat(listed).isEqualTo(documented);
    }

    @Test
    void contractLimits_showTheSettingsDefaults() throws Exception {
        String contract = contract();
        String limits = contract.substring(contract.indexOf("## Limits"), contract.indexOf("## Endpoints"));
        Matcher row = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\| `([^`]*)` \\|").matcher(limits);
        int rows = 0;
        while (row.find()) {
            rows++;
            assertThat(row.group(2)).as(row.group(1)).isEqualTo(Setting.valueOf(row.group(1)).defaultValue());
        }
        assertThat(rows).as("limit rows in docs/api.md").isPositive();
    }

    @Test
    void contractErrorCodes_areCodesTheServerUses() throws Exception {
        String contract = contract();
        String errors = contract.substring(contract.indexOf("| Status | Codes |"), contract.indexOf("## Limits"));
        String sources;
        try (Stream<Path> files = Files.walk(ROOT.resolve("server/src/main/java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).map(f -> {
                try {
                    return Files.readString(f);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        }
        Matcher code = Pattern.compile("`([A-Z][A-Z0-9_]+)`").matcher(errors);
        int codes = 0;
        while (code.find()) {
            codes++;
            assertThat(sources).as("error code " + code.group(1)).contains("\"" + code.group(1) + "\"");
        }
        assertThat(codes).as("error codes in docs/api.md").isGreaterThan(20);
    }

    @Test
    void linksInReadmeAndDocs_pointToFilesInsideTheRepository() throws Exception {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).forEach(pages::add);
        }
        Pattern link = Pattern.compile("\\]\\(([^)\\s]+)\\)");
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                String target = m.group(1).replaceFirst("#.*$", "");
                if (target.isEmpty()) {
                    continue; // a link within the page
                }
                assertThat(target).as(ROOT.relativize(page) + ": " + m.group(1) + " must be a path in the repository")
                        .doesNotContain("://").doesNotStartWith("mailto:");
                Path resolved = page.getParent().resolve(target).normalize();
                assertThat(resolved).as(ROOT.relativize(page) + ": " + m.group(1)).startsWith(ROOT).exists();
            }
        }
    }

    private static String contract() throws java.io.IOException {
        return Files.readString(ROOT.resolve("docs/api.md"));
    }
}
