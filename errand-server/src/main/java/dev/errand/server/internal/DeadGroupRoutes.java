package dev.errand.server.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.errand.core.Errand;
import dev.errand.core.Task;
import dev.errand.core.TaskId;
import dev.errand.core.TaskState;
import dev.errand.core.spi.DeadGroupQuery;
import dev.errand.core.spi.DeadGroupStore;
import dev.errand.core.spi.DeadGroups;
import dev.errand.core.spi.TaskPage;
import dev.errand.core.spi.TaskQuery;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code GET /v1/dead/groups?queue=&type=}: the dead tasks grouped by the first line of their last error,
 * largest group first, each with its count, queues, types, latest death and newest task. A store that
 * counts them ({@link DeadGroupStore}: SQLite and PostgreSQL) groups its newest
 * {@link DeadGroupQuery#MAX_READ} dead tasks from an index of the dead tasks alone; any other store's
 * newest {@link #MAX_SCANNED} are read through the pages of {@code GET /v1/tasks}. The answer says how
 * many were read ({@code scanned}) and whether that was all of them ({@code complete}), so that the
 * dashboard can say when the groups are partial and show a filter's count before an action on it.
 * Thread-safe.
 */
public final class DeadGroupRoutes {
  /**
   * Without {@link DeadGroupStore}, the groups of an incident's newest dead letters; beyond it they are a
   * sample of the newest. On a store of a million tasks (the bench's history, at a load of 13 on 2 cores) a read of 10,000 took
   * 0.75 s and of 2,000 up to 0.58 s: too slow for a page open. One page is the most a page open may read.
   */
  public static final int MAX_SCANNED = TaskQuery.MAX_LIMIT;
  /**
   * At most this many pages are read: a store may answer short pages (see {@code TaskPage}), and a
   * page open must stay quick however the dead tasks lie among the rest.
   */
  static final int MAX_PAGES = 2;

  private final Errand errand;

  public DeadGroupRoutes(Errand errand) {
    this.errand = errand;
  }

  public List<ApiRoute> routes() {
    return List.of(new ApiRoute(HandlerType.GET, "/v1/dead/groups", ApiRoute.READERS, this::groups));
  }

  private static final class Group {
    final String message;
    long count;
    final Set<String> queues = new TreeSet<>();
    final Set<String> types = new TreeSet<>();
    Instant lastDiedAt;
    TaskId newest;

    Group(String message) {
      this.message = message;
    }
  }

  private void groups(Context ctx) throws Exception {
    Map<String, String> q = Requests.query(ctx, Set.of("queue", "type"));
    FieldErrors errors = new FieldErrors();
    String queue = Requests.name(q, "queue", errors);
    String type = Requests.name(q, "type", errors);
    errors.throwIfAny();
    Map<String, Group> groups = new HashMap<>();
    Optional<DeadGroups> counted = errand.deadGroups(new DeadGroupQuery(queue, type, DeadGroupQuery.MAX_READ));
    if (counted.isPresent()) {
      for (DeadGroups.Group row : counted.get().groups()) {
        Group g = groups.computeIfAbsent(row.error(), Group::new);
        g.count += row.count();
        g.queues.add(row.queue());
        g.types.add(row.type());
        if (g.newest == null
            || (row.lastDiedAt() != null && (g.lastDiedAt == null || row.lastDiedAt().isAfter(g.lastDiedAt)))) {
          g.lastDiedAt = row.lastDiedAt();
          g.newest = row.newest();
        }
      }
      write(ctx, groups, counted.get().read(), counted.get().complete());
      return;
    }
    int scanned = 0;
    TaskId cursor = null;
    int pages = 0;
    do {
      pages++;
      TaskPage page = errand.list(new TaskQuery(queue, TaskState.DEAD, type,
          Math.min(TaskQuery.MAX_LIMIT, MAX_SCANNED - scanned), cursor));
      for (Task t : page.tasks()) {
        Group g = groups.computeIfAbsent(DeadGroups.errorLine(t.lastError()), Group::new);
        g.count++;
        g.queues.add(t.queue());
        g.types.add(t.type());
        if (g.newest == null) { // pages come newest first
          g.newest = t.id();
        }
        if (t.finishedAt() != null && (g.lastDiedAt == null || t.finishedAt().isAfter(g.lastDiedAt))) {
          g.lastDiedAt = t.finishedAt();
        }
      }
      scanned += page.tasks().size();
      cursor = page.next();
    } while (cursor != null && scanned < MAX_SCANNED && pages < MAX_PAGES);
    write(ctx, groups, scanned, cursor == null);
  }

  private static void write(Context ctx, Map<String, Group> groups, int scanned, boolean complete) throws Exception {
    List<Group> sorted = new ArrayList<>(groups.values());
    sorted.sort(Comparator.comparingLong((Group g) -> -g.count).thenComparing(g -> g.message));
    try (JsonOut out = new JsonOut()) {
      JsonGenerator g = out.generator();
      g.writeStartObject();
      g.writeNumberField("scanned", scanned);
      g.writeBooleanField("complete", complete);
      g.writeArrayFieldStart("groups");
      for (Group group : sorted) {
        g.writeStartObject();
        g.writeStringField("error", group.message);
        g.writeNumberField("count", group.count);
        g.writeArrayFieldStart("queues");
        for (String s : group.queues) {
          g.writeString(s);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("types");
        for (String s : group.types) {
          g.writeString(s);
        }
        g.writeEndArray();
        out.instant("lastDiedAt", group.lastDiedAt);
        g.writeStringField("newest", group.newest.value());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      Responses.json(ctx, 200, out.bytes());
    }
  }
}
