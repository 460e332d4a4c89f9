package dev.errand.server.internal;

import dev.errand.server.Role;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.Set;

/**
 * One endpoint: method, Javalin path, handler and the roles it admits ({@link Role#ADMIN} always;
 * no roles means open to anyone, as the health checks and the API description are). The server keeps
 * the list, so tests can check that the OpenAPI document covers every route.
 */
public record ApiRoute(HandlerType method, String path, Set<Role> roles, Handler handler) {
  public ApiRoute {
    roles = Set.copyOf(roles);
  }

  public static final Set<Role> OPEN = Set.of();
  public static final Set<Role> READERS = Set.of(Role.READER, Role.PRODUCER, Role.WORKER, Role.ADMIN);
  public static final Set<Role> PRODUCERS = Set.of(Role.PRODUCER, Role.ADMIN);
  public static final Set<Role> WORKERS = Set.of(Role.WORKER, Role.ADMIN);
  public static final Set<Role> ADMINS = Set.of(Role.ADMIN);
}
