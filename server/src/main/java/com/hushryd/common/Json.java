package com.hushryd.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Map;

/**
 * The one JSON mapper of the node. Reading is strict: unknown fields, wrong types, numbers in strings, floats for
 * integers, duplicate keys and trailing content are all errors that name the offending field.
 */
public final class Json {
    public static final ObjectMapper MAPPER = create();

    private Json() {
    }

    private static ObjectMapper create() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(64)
                        .maxStringLength(1_000_000)
                        .maxNumberLength(64)
                        .build())
                .build();
        JsonMapper mapper = JsonMapper.builder(factory)
                .addModule(new JavaTimeModule())
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .serializationInclusion(JsonInclude.Include.ALWAYS)
                .build();
        // ALLOW_COERCION_OF_SCALARS stops "5" becoming 5; this stops 5 or true becoming "5" or "true".
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        // "" and " " (and "\u0000", which Jackson trims as blank) are not a missing number, flag or date: say so
        for (LogicalType type : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean,
            LogicalType.DateTime, LogicalType.Enum}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setAcceptBlankAsEmpty(false);
        }
        return mapper;
    }

    /**
     * A value that writes its own JSON text, exactly what the mapper would write for it (its test compares the two):
     * for the few values written on a hot path, where Jackson's serializer lookup and generator cost more than the
     * text itself (a location update is written once per update).
     */
    public interface SelfWriting {
        String json();
    }

    /** {@code value} as JSON text (a value that cannot be serialised is a bug: IllegalStateException). */
    public static String write(Object value) {
        if (value instanceof SelfWriting w) {
            return w.json();
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Reads a request body into {@code type}, turning every parse or type error into a 400 that names the field. */
    public static <T> T read(byte[] body, Class<T> type) {
        JsonParser parser;
        try {
            parser = MAPPER.createParser(body);
        } catch (IOException e) {
            throw ApiException.badRequest("MALFORMED_JSON", "request body could not be read");
        }
        try (parser) {
            return read(() -> MAPPER.readValue(parser, type), type, parser);
        } catch (IOException e) {
            return null; // closing a parser over a byte array does not fail
        }
    }

    /** Converts an already parsed value (e.g. a Socket.IO event argument) with the same strict rules. */
    public static <T> T convert(JsonNode node, Class<T> type) {
        return read(() -> MAPPER.treeToValue(node, type), type, null);
    }

    private interface Reader<T> {
        T read() throws IOException;
    }

    private static <T> T read(Reader<T> reader, Class<T> type, JsonParser parser) {
        T value;
        try {
            value = reader.read();
        } catch (StreamConstraintsException e) {
            throw tooBig(e, parser, "");
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.invalid(path(e), "unknown field");
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw ApiException.badRequest("MALFORMED_JSON",
                        "request body must be a JSON " + describe(e.getTargetType()));
            }
            throw ApiException.invalid(path(e), "expected " + describe(e.getTargetType()));
        } catch (JsonMappingException e) {
            String field = path(e);
            if (e.getCause() instanceof StreamConstraintsException limit) {
                throw tooBig(limit, parser, field); // thrown by the parser in a nested value
            }
            throw field.isEmpty()
                    ? ApiException.badRequest("MALFORMED_JSON", "request body could not be read")
                    : ApiException.invalid(field, "invalid value");
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw ApiException.badRequest("MALFORMED_JSON", "request body is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiException.badRequest("MALFORMED_JSON", "request body could not be read");
        }
        if (value == null) {
            throw ApiException.badRequest("MALFORMED_JSON", "request body must be a JSON " + describe(type));
        }
        return value;
    }

    /**
     * A value beyond the parser's limits (a number of more than 64 digits, a huge string, deep nesting): a 400 naming
     * the field being read when there is one, rather than "not valid JSON".
     */
    private static ApiException tooBig(StreamConstraintsException e, JsonParser parser, String mappingPath) {
        String field = parser == null ? mappingPath : path(parser.getParsingContext());
        String reason = reason(e);
        if (field.isEmpty() || reason == null) {
            return ApiException.badRequest("MALFORMED_JSON", "request body is beyond the parser's limits "
                    + "(nesting depth, number or string length)");
        }
        return ApiException.invalid(field, reason);
    }

    private static String reason(StreamConstraintsException e) {
        String message = String.valueOf(e.getOriginalMessage());
        return message.startsWith("Number") ? "is not a valid number (too many digits: out of range)"
                : message.startsWith("String") ? "is too long" : null;
    }

    /** The path of the value a parser is at, e.g. {@code contacts[0].phone}. */
    private static String path(JsonStreamContext at) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (JsonStreamContext c = at; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                parts.push((c.getParent() == null || c.getParent().inRoot() ? "" : ".") + c.getCurrentName());
            } else if (c.inArray()) {
                parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        return String.join("", parts);
    }

    /** The JSON path of a mapping error, e.g. {@code source.lat} or {@code contacts[0].phone}. */
    static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "value of another type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == BigDecimal.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return "value of another type";
    }
}
