package dev.errand.store.postgres.internal;

import dev.errand.core.spi.SqlStatements;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The store's SQL for one schema: the statements of {@code store.sql} and the migrations of
 * {@code migrations.sql}, with {@code {schema}} replaced once, here, by a name checked to be a plain
 * lower-case identifier (so it needs no quoting and cannot inject anything). Not public API.
 */
public final class StoreSql {
  private static final Pattern MIGRATION_NAME = Pattern.compile("(\\d+)_[a-z0-9_]+");
  private static final String PLACEHOLDER = "{schema}";

  private final String schema;
  private final Map<String, String> statements;
  private final List<Migration> migrations;

  private StoreSql(String schema, Map<String, String> statements, List<Migration> migrations) {
    this.schema = schema;
    this.statements = statements;
    this.migrations = migrations;
  }

  /** Loads and binds the SQL to {@code schema}; throws IllegalArgumentException for a bad name. */
  public static StoreSql forSchema(String schema) {
    requireSchema(schema);
    SqlStatements store = SqlStatements.load(StoreSql.class, "store.sql");
    Map<String, String> statements = new HashMap<>();
    for (String name : store.names()) {
      statements.put(name, store.get(name).replace(PLACEHOLDER, schema));
    }
    SqlStatements migrationFile = SqlStatements.load(StoreSql.class, "migrations.sql");
    List<Migration> migrations = new ArrayList<>();
    for (String name : migrationFile.names()) {
      Matcher m = MIGRATION_NAME.matcher(name);
      if (!m.matches()) {
        throw new IllegalStateException("migration name must be <version>_<words>: " + name);
      }
      int version = Integer.parseInt(m.group(1));
      // Numbers are handed out ahead of time, so one may land before a lower one: increasing, not dense.
      if (!migrations.isEmpty() && version <= migrations.getLast().version()) {
        throw new IllegalStateException("migrations must be numbered in increasing order; found " + name);
      }
      migrations.add(new Migration(version, name, migrationFile.get(name).replace(PLACEHOLDER, schema)));
    }
    return new StoreSql(schema, Map.copyOf(statements), List.copyOf(migrations));
  }

  /** Returns {@code schema} if it meets {@link SchemaName}'s rules; throws IllegalArgumentException naming the one it breaks. */
  public static String requireSchema(String schema) {
    return SchemaName.require(schema);
  }

  public String schema() {
    return schema;
  }

  /** The notification channel wake-ups go out on. */
  public String channel() {
    return schema + "_work";
  }

  public String get(String name) {
    String sql = statements.get(name);
    if (sql == null) {
      throw new IllegalArgumentException("store.sql has no statement named " + name);
    }
    return sql;
  }

  public List<Migration> migrations() {
    return migrations;
  }

  /** One numbered step of the schema. */
  public record Migration(int version, String name, String sql) {}
}
