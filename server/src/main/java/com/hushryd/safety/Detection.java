package com.hushryd.safety;

import java.util.Map;

/**
 * One thing the monitor noticed, with the inputs the decision was made from (recorded as they are).
 *
 * @param lat where the trip was when it was noticed, or null without a fix
 */
public record Detection(DetectionKind kind, Double lat, Double lng, Map<String, Object> inputs) {
    public Detection {
        inputs = Map.copyOf(inputs);
    }
}
