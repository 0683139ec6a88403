package com.hushryd.app;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Adds a command-line flag for each {@link Setting} to a command, and reads back the flags that were given. */
final class SettingOptions {
    private SettingOptions() {
    }

    static void addTo(CommandSpec spec, List<Setting> settings) {
        for (Setting s : settings) {
            String def = s.defaultValue() == null ? "" : ", default " + s.defaultValue();
            spec.addOption(OptionSpec.builder(s.flag())
                    .paramLabel("<" + s.env().toLowerCase().replace('_', '-') + ">")
                    .type(String.class)
                    .description(s.description() + " [env " + s.env() + def + "]")
                    .build());
        }
    }

    static Map<Setting, String> given(CommandSpec spec, List<Setting> settings) {
        Map<Setting, String> values = new EnumMap<>(Setting.class);
        for (Setting s : settings) {
            OptionSpec o = spec.findOption(s.flag());
            if (o != null && o.getValue() != null) {
                values.put(s, o.getValue());
            }
        }
        return values;
    }
}
