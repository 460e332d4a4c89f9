package dev.errand.store.postgres.internal;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a schema name must meet for the store to splice it into its SQL unquoted: a lower-case
 * identifier, short enough for the notification channel {@code <schema>_work} to stay within 63 bytes,
 * not a name PostgreSQL keeps for itself, and not a word its grammar reserves (which unquoted would
 * break every statement). Not public API.
 */
public final class SchemaName {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,49}");
  /**
   * PostgreSQL's keywords that cannot name a schema unquoted: {@code pg_get_keywords()} categories R
   * (reserved) and T (reserved, may name a function or type), PostgreSQL 15 to 17.
   */
  private static final Set<String> RESERVED = Set.of(
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
      "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
      "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
      "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
      "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
      "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
      "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true", "union",
      "unique", "user", "using", "variadic", "when", "where", "window", "with",
      "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
      "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
      "right", "similar", "tablesample", "verbose");

  private SchemaName() {}

  /** Returns {@code schema} if it meets every rule; otherwise throws IllegalArgumentException naming the rule. */
  public static String require(String schema) {
    if (schema == null || schema.isEmpty()) {
      throw new IllegalArgumentException("schema must not be empty: " + (schema == null ? "null" : "\"\""));
    }
    if (!IDENTIFIER.matcher(schema).matches()) {
      throw new IllegalArgumentException("schema must match " + IDENTIFIER.pattern()
          + " (lower-case letters, digits and _, not starting with a digit, at most 50 characters): " + schema);
    }
    if (schema.startsWith("pg_")) {
      throw new IllegalArgumentException("schema must not start with pg_, which PostgreSQL reserves for its own: " + schema);
    }
    if (RESERVED.contains(schema)) {
      throw new IllegalArgumentException("schema must not be an SQL reserved word: " + schema);
    }
    return schema;
  }
}
