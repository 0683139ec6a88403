package com.hushryd.uploads;

/** What a store says about a complete object. */
public record ObjectInfo(String key, long size) {
}
