package dev.errand.server.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpConnection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Bounds the time a connection may take to send a request's line and headers, which Jetty's idle
 * timeout does not: that one restarts with every byte, so a client sending one byte a second would hold
 * a connection as long as it liked. The clock starts when the connection opens and again when a
 * response ends; it stops when the headers are complete. When it runs out, a connection that has not
 * yet begun any request, or is part-way through a request's headers, is closed; a kept-alive connection
 * that has sent nothing since its last response is left open (the idle timeout closes it) and checked
 * again a timeout later, so a request that starts on it late is cut off within twice the timeout. Add it as a bean of the
 * connector. Thread-safe.
 */
public final class HeaderDeadline implements Connection.Listener, HttpChannel.Listener {
  private final Duration timeout;
  private final Scheduler scheduler;
  private final Map<EndPoint, Scheduler.Task> pending = new ConcurrentHashMap<>();
  private final Map<EndPoint, Boolean> served = new ConcurrentHashMap<>();

  public HeaderDeadline(Duration timeout, Scheduler scheduler) {
    this.timeout = timeout;
    this.scheduler = scheduler;
  }

  @Override
  public void onOpened(Connection connection) {
    arm(connection);
  }

  @Override
  public void onClosed(Connection connection) {
    disarm(connection.getEndPoint());
    served.remove(connection.getEndPoint());
  }

  @Override
  public void onRequestBegin(Request request) { // the line and headers are parsed
    EndPoint endPoint = request.getHttpChannel().getEndPoint();
    served.put(endPoint, Boolean.TRUE);
    disarm(endPoint);
  }

  @Override
  public void onComplete(Request request) {
    Connection connection = request.getHttpChannel().getConnection();
    if (connection != null && connection.getEndPoint().isOpen()) {
      arm(connection);
    }
  }

  private void arm(Connection connection) {
    EndPoint endPoint = connection.getEndPoint();
    Scheduler.Task task = scheduler.schedule(() -> expire(connection), timeout.toMillis(), TimeUnit.MILLISECONDS);
    Scheduler.Task old = pending.put(endPoint, task);
    if (old != null) {
      old.cancel();
    }
  }

  private void disarm(EndPoint endPoint) {
    Scheduler.Task task = pending.remove(endPoint);
    if (task != null) {
      task.cancel();
    }
  }

  private void expire(Connection connection) {
    EndPoint endPoint = connection.getEndPoint();
    pending.remove(endPoint);
    boolean idleBetweenRequests = served.containsKey(endPoint) && connection instanceof HttpConnection http
        && http.getParser().isStart();
    if (idleBetweenRequests) {
      arm(connection); // a request that starts later is still timed, within twice the timeout
    } else {
      endPoint.close();
    }
  }
}
