package dev.errand.store.postgres.internal;

import dev.errand.core.Json;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.StoredSchedule;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored schedule definitions, each operation one statement on a connection it is given. Never
 * commits, rolls back or closes the connection; SQLExceptions are the caller's to map. Not public API.
 */
public final class ScheduleStatements {
  private final StoreSql sql;

  public ScheduleStatements(StoreSql sql) {
    this.sql = sql;
  }

  public StoredSchedule put(Connection c, SchedulePutRequest request) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("schedule_put"))) {
      ps.setString(1, request.name());
      ps.setBytes(2, request.definition().bytesUnsafe());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new StoredSchedule(request.name(), request.definition(), rs.getLong("version"),
            rs.getObject("updated_at", OffsetDateTime.class).toInstant());
      }
    }
  }

  public boolean delete(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("schedule_delete"))) {
      ps.setString(1, name);
      return ps.executeUpdate() > 0;
    }
  }

  public List<StoredSchedule> list(Connection c) throws SQLException {
    List<StoredSchedule> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql.get("schedule_list")); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new StoredSchedule(rs.getString("name"), Json.ofTrusted(rs.getBytes("definition")),
            rs.getLong("version"), rs.getObject("updated_at", OffsetDateTime.class).toInstant()));
      }
    }
    return out;
  }
}
