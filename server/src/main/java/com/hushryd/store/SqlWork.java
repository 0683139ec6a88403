package com.hushryd.store;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with one connection; inside {@link Database#tx} it all commits or all rolls back. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
