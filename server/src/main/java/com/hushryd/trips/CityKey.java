package com.hushryd.trips;

import java.text.Normalizer;
import java.util.Locale;

/** The form in which city names are compared: Unicode-normalised, trimmed, single-spaced, lower case. */
final class CityKey {
    private CityKey() {
    }

    static String of(String city) {
        return Normalizer.normalize(city, Normalizer.Form.NFKC).strip().replaceAll("\\s+", " ")
                .toLowerCase(Locale.ROOT);
    }
}
