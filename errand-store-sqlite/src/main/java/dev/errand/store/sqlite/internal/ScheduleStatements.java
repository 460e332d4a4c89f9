package dev.errand.store.sqlite.internal;

import dev.errand.core.Json;
import dev.errand.core.spi.SchedulePutRequest;
import dev.errand.core.spi.StoredSchedule;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored schedule definitions: writes in the writer's transaction, the list on a read connection,
 * each one statement. Not public API.
 */
public final class ScheduleStatements {
  public StoredSchedule put(WriteContext tx, SchedulePutRequest request) throws SQLException {
    PreparedStatement put = tx.statement("schedule_put");
    put.setString(1, request.name());
    put.setBytes(2, request.definition().bytesUnsafe());
    put.setLong(3, Micros.of(tx.now()));
    try (ResultSet rs = put.executeQuery()) {
      rs.next();
      return new StoredSchedule(request.name(), request.definition(), rs.getLong("version"),
          Micros.toInstant(rs.getLong("updated_at")));
    }
  }

  public boolean delete(WriteContext tx, String name) throws SQLException {
    PreparedStatement delete = tx.statement("schedule_delete");
    delete.setString(1, name);
    return delete.executeUpdate() > 0;
  }

  public List<StoredSchedule> list(StatementCache statements) throws SQLException {
    List<StoredSchedule> out = new ArrayList<>();
    try (ResultSet rs = statements.get("schedule_list").executeQuery()) {
      while (rs.next()) {
        out.add(new StoredSchedule(rs.getString("name"), Json.ofTrusted(rs.getBytes("definition")),
            rs.getLong("version"), Micros.toInstant(rs.getLong("updated_at"))));
      }
    }
    return out;
  }
}
