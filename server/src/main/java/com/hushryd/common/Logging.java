package com.hushryd.common;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** Switches logging between text and JSON (one object per line) and sets the level, at start-up. */
public final class Logging {
    private Logging() {
    }

    public static void configure(LogFormat format, String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        URL config = Logging.class.getResource(format == LogFormat.JSON ? "/logback-json.xml" : "/logback.xml");
        ctx.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(ctx);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            System.err.println("hushryd: logging configuration failed: " + e.getMessage());
        }
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT),
                Level.INFO));
    }

    /** Sends console logging to standard error, for commands whose standard output is their result. */
    public static void toStandardError() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        for (ch.qos.logback.classic.Logger logger : ctx.getLoggerList()) {
            logger.iteratorForAppenders().forEachRemaining(appender -> {
                if (appender instanceof ch.qos.logback.core.ConsoleAppender<?> console
                        && !"System.err".equals(console.getTarget())) {
                    console.stop();
                    console.setTarget("System.err");
                    console.start();
                }
            });
        }
    }

    /** Flushes and stops logging; the last call of a shutting-down process. */
    public static void stop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.stop();
        }
    }
}
