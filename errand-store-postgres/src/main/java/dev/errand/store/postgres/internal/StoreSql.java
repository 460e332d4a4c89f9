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
  private static final String CLAIM_CAP = "{claim_cap}";
  private static final String CLAIMING = "{claiming}";
  /** The smallest claim cap: the promotion batch, which a claim's cap must not cut. */
  private static final int FIRST_CLAIM_CAP = TaskStatements.PROMOTE_BATCH;

  private final String schema;
  private final Map<String, String> statements;
  private final List<Migration> migrations;
  /** The claim statement with caps 100, 1,000, ... 100,000,000, then the largest int (see claim(int)). */
  private final String[] claims;
  private final String insertClaiming;
  private final String insertNotClaiming;

  private StoreSql(String schema, Map<String, String> statements, List<Migration> migrations) {
    this.schema = schema;
    this.statements = statements;
    this.migrations = migrations;
    String claim = get("claim");
    claims = new String[8];
    for (int i = 0, cap = FIRST_CLAIM_CAP; i < claims.length; i++, cap *= 10) {
      claims[i] = claim.replace(CLAIM_CAP, Integer.toString(i == claims.length - 1 ? Integer.MAX_VALUE : cap));
    }
    String insert = get("insert_tasks");
    insertClaiming = insert.replace(CLAIMING, get("insert_claiming"));
    insertNotClaiming = insert.replace(CLAIMING, get("insert_not_claiming"));
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

  /**
   * A statement of store.sql by name. The claim and the insert are templates that {@link #claim(int)} and
   * {@link #insert(boolean)} complete; their names here give the template itself.
   */
  public String get(String name) {
    String sql = statements.get(name);
    if (sql == null) {
      throw new IllegalArgumentException("store.sql has no statement named " + name);
    }
    return sql;
  }

  /**
   * The claim statement for a claim of at most {@code limit} tasks: its literal cap (store.sql says why)
   * is the first power of ten from 100 that is at least the limit, so a store sees a handful of texts,
   * each of which PostgreSQL plans once.
   */
  public String claim(int limit) {
    int i = 0;
    for (long cap = FIRST_CLAIM_CAP; cap < limit && i < claims.length - 1; cap *= 10) {
      i++;
    }
    return claims[i];
  }

  /**
   * The insert statement: with {@code claiming}, the one that may lease its task to an idle worker (four
   * more parameters after the columns' arrays); else the one that leases nothing, whose smaller plan
   * costs less to start on every execution (store.sql).
   */
  public String insert(boolean claiming) {
    return claiming ? insertClaiming : insertNotClaiming;
  }

  public List<Migration> migrations() {
    return migrations;
  }

  /** One numbered step of the schema. */
  public record Migration(int version, String name, String sql) {}
}
