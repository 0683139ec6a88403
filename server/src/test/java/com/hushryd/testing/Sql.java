package com.hushryd.testing;

import com.hushryd.store.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a node's database straight over JDBC: the verdict of a crash test comes from what PostgreSQL holds, not from
 * what a node says.
 */
public final class Sql {
    private Sql() {
    }

    /** The rows of a query (column label to value), in the order the query gives them. */
    public static List<Map<String, Object>> rows(String databaseUrl, String sql, Object... args) {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        try (Connection c = url.user() == null ? DriverManager.getConnection(url.jdbcUrl())
                : DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= columns; i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** The single number a query like {@code SELECT count(*) ...} answers. */
    public static long number(String databaseUrl, String sql, Object... args) {
        return ((Number) rows(databaseUrl, sql, args).get(0).values().iterator().next()).longValue();
    }
}
