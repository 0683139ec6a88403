package com.hushryd.common;

public enum LogFormat {
    TEXT, JSON
}
