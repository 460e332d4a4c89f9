package dev.errand.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named SQL statements read once from a classpath resource, for stores that keep their SQL in
 * {@code .sql} files rather than in Java strings. A file holds sections, each headed by a line
 * {@code -- name: statement_name}; a section runs to the next header. Other comment lines are kept.
 */
public final class SqlStatements {
  private final String resource;
  private final Map<String, String> statements;

  private SqlStatements(String resource, Map<String, String> statements) {
    this.resource = resource;
    this.statements = statements;
  }

  /** Loads {@code resource} relative to {@code anchor}'s package. */
  public static SqlStatements load(Class<?> anchor, String resource) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("SQL resource not found beside " + anchor.getName() + ": " + resource);
      }
      return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read SQL resource " + resource, e);
    }
  }

  static SqlStatements parse(String resource, String text) {
    Map<String, String> statements = new LinkedHashMap<>();
    String name = null;
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("-- name:")) {
        put(resource, statements, name, body);
        name = trimmed.substring("-- name:".length()).strip();
        body.setLength(0);
      } else if (name != null) {
        body.append(line).append('\n');
      }
    }
    put(resource, statements, name, body);
    // Not Map.copyOf: it forgets the order, and names() promises file order (migrations run in it).
    return new SqlStatements(resource, Collections.unmodifiableMap(statements));
  }

  private static void put(String resource, Map<String, String> statements, String name, StringBuilder body) {
    if (name == null) {
      return;
    }
    String sql = body.toString().strip();
    if (sql.endsWith(";")) {
      sql = sql.substring(0, sql.length() - 1).strip();
    }
    if (statements.put(name, sql) != null) {
      throw new IllegalStateException(resource + " names statement " + name + " twice");
    }
  }

  /** The statement called {@code name}; a missing name is a bug, so it throws. */
  public String get(String name) {
    String sql = statements.get(name);
    if (sql == null) {
      throw new IllegalArgumentException(resource + " has no statement named " + name);
    }
    return sql;
  }

  /** Statement names in file order. */
  public Iterable<String> names() {
    return statements.keySet();
  }
}
