package dev.errand.server.internal;

import dev.errand.server.Role;
import dev.errand.server.Tokens;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.security.RouteRole;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the bearer token of every request to a route that admits roles, before the handler runs: no or
 * an unknown token is a 401 with {@code WWW-Authenticate: Bearer}, a token whose role the route does
 * not admit is a 403. Open routes and a server without tokens (bound to loopback only) admit everyone.
 * The token's queues are left on the request for {@link QueueGuard} and the handlers.
 * Thread-safe; never logs a token.
 */
public final class Authenticator implements Handler {
  private static final String PREFIX = "Bearer ";

  private final Tokens tokens;

  public Authenticator(Tokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public void handle(Context ctx) {
    Set<RouteRole> admitted = ctx.routeRoles();
    if (admitted.isEmpty() || tokens.isEmpty()) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      throw new ApiException(401, "this endpoint needs a bearer token (Authorization: Bearer TOKEN)", List.of(),
          Map.of("WWW-Authenticate", "Bearer realm=\"errand\""));
    }
    Optional<Tokens.Grant> grant = tokens.grantOf(header.substring(PREFIX.length()).strip());
    if (grant.isEmpty()) {
      throw new ApiException(401, "the bearer token is not valid", List.of(),
          Map.of("WWW-Authenticate", "Bearer realm=\"errand\", error=\"invalid_token\""));
    }
    Role role = grant.get().role();
    if (role != Role.ADMIN && !admitted.contains(role)) {
      throw new ApiException(403, "a " + role.label() + " token may not call this endpoint");
    }
    QueueGuard.grant(ctx, grant.get().queues());
  }
}
