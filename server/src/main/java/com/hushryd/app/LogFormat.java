package com.hushryd.app;

public enum LogFormat {
    TEXT, JSON
}
