package dev.errand.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.core.spi.Completion;
import dev.errand.core.testkit.InMemoryTaskStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The run's interceptor chain, the executors by kind, and the trace context carried from enqueue to run. */
class PipelineTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private final List<Errand> errands = new ArrayList<>();

  @AfterEach
  void stop() {
    errands.forEach(Errand::close);
  }

  private Errand start(Errand.Builder b, Map<String, TaskHandler<Json>> handlers) {
    Errand e = b.store(new InMemoryTaskStore()).queue("default", 4).pollInterval(Duration.ofMillis(50))
        .seed(11).build();
    errands.add(e);
    handlers.forEach((type, h) -> e.handle(type, Json.class, h));
    return e.start();
  }

  private static Task awaitFinal(Errand errand, TaskId id) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> switch (errand.get(id).state()) {
      case SUCCEEDED, DEAD -> true;
      default -> false;
    });
    return errand.get(id);
  }

  private static TaskSpec once(String type) {
    return TaskSpec.builder(type).maxAttempts(1).build();
  }

  @Test
  void interceptorsRunInTheOrderAddedAroundTheExecutorAndSeeItsOutcome() {
    List<String> seen = new CopyOnWriteArrayList<>();
    TaskInterceptor outer = chain -> {
      seen.add("outer:" + chain.context().task().type());
      Completion.Outcome o = chain.proceed();
      seen.add("outer:" + o.getClass().getSimpleName());
      return o;
    };
    TaskInterceptor inner = chain -> {
      seen.add("inner");
      Completion.Outcome o = chain.proceed();
      seen.add("inner:" + o.getClass().getSimpleName());
      return o;
    };
    Errand errand = start(Errand.builder().interceptor(outer).interceptor(inner),
        Map.of("greet", (task, payload) -> {
          seen.add("handler");
          return "hi";
        }));

    Task done = awaitFinal(errand, errand.enqueue(once("greet")).task().id());

    assertThat(done.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(done.result()).isEqualTo(Json.encode("hi"));
    assertThat(seen).containsExactly("outer:greet", "inner", "handler", "inner:Succeeded", "outer:Succeeded");
  }

  @Test
  void interceptorCanReplaceTheOutcome() {
    TaskInterceptor veto = chain -> chain.proceed() instanceof Completion.Succeeded
        ? new Completion.Dead("vetoed after the handler") : new Completion.Dead("unexpected");
    Errand errand = start(Errand.builder().interceptor(veto), Map.of("t", (task, payload) -> null));

    Task done = awaitFinal(errand, errand.enqueue(once("t")).task().id());

    assertThat(done.state()).isEqualTo(TaskState.DEAD);
    assertThat(done.lastError()).isEqualTo("vetoed after the handler");
  }

  @Test
  void interceptorThatDoesNotProceedEndsTheRunWithItsOwnOutcome() {
    AtomicInteger handled = new AtomicInteger();
    TaskInterceptor refuse = chain -> new Completion.Dead("not allowed");
    Errand errand = start(Errand.builder().interceptor(refuse), Map.of("t", (task, payload) -> {
      handled.incrementAndGet();
      return null;
    }));

    Task done = awaitFinal(errand, errand.enqueue(once("t")).task().id());

    assertThat(done.lastError()).isEqualTo("not allowed");
    assertThat(handled).hasValue(0);
  }

  /** Proceeds twice: a bug the chain must catch. */
  static final class Twice implements TaskInterceptor {
    @Override
    public Completion.Outcome intercept(Chain chain) throws Exception {
      chain.proceed();
      return chain.proceed();
    }
  }

  @Test
  void interceptorThatProceedsTwiceFailsTheAttemptNamingItAndTheHandlerRunsOnce() {
    AtomicInteger handled = new AtomicInteger();
    Errand errand = start(Errand.builder().interceptor(new Twice()), Map.of("t", (task, payload) -> {
      handled.incrementAndGet();
      return null;
    }));

    Task done = awaitFinal(errand, errand.enqueue(once("t")).task().id());

    assertThat(done.state()).isEqualTo(TaskState.DEAD);
    assertThat(done.lastError()).contains("IllegalStateException")
        .contains(Twice.class.getName() + " called proceed() twice");
    assertThat(handled).hasValue(1);
  }

  /** Returns no outcome. */
  static final class ReturnsNull implements TaskInterceptor {
    @Override
    public Completion.Outcome intercept(Chain chain) {
      return null;
    }
  }

  @Test
  void interceptorThatReturnsNoOutcomeFailsTheAttemptNamingIt() {
    Errand errand = start(Errand.builder().interceptor(new ReturnsNull()), Map.of("t", (task, payload) -> null));

    Task done = awaitFinal(errand, errand.enqueue(once("t")).task().id());

    assertThat(done.state()).isEqualTo(TaskState.DEAD);
    assertThat(done.lastError()).contains(ReturnsNull.class.getName() + " returned no outcome");
  }

  @Test
  void chainCannotBeReusedAfterItsRun() {
    AtomicReference<TaskInterceptor.Chain> kept = new AtomicReference<>();
    TaskInterceptor keeper = chain -> {
      kept.set(chain);
      return chain.proceed();
    };
    Errand errand = start(Errand.builder().interceptor(keeper), Map.of("t", (task, payload) -> null));
    assertThat(awaitFinal(errand, errand.enqueue(once("t")).task().id()).state()).isEqualTo(TaskState.SUCCEEDED);

    assertThatThrownBy(() -> kept.get().proceed()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("called proceed() twice, or after its own call returned");
  }

  @Test
  void exceptionFromAnInterceptorIsTheAttemptsFailureAndIsRetried() {
    AtomicInteger calls = new AtomicInteger();
    TaskInterceptor flaky = chain -> {
      if (calls.incrementAndGet() == 1) {
        throw new IllegalStateException("interceptor failed once");
      }
      return chain.proceed();
    };
    Errand errand = start(Errand.builder().interceptor(flaky), Map.of("t", (task, payload) -> "done"));

    TaskId id = errand.enqueue(TaskSpec.builder("t").maxAttempts(3)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build()).task().id();
    Task done = awaitFinal(errand, id);

    assertThat(done.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(2);
  }

  @Test
  void customKindRunsOnItsOwnExecutorWithoutAHandler() {
    List<String> urls = new CopyOnWriteArrayList<>();
    TaskExecutor webhook = context -> {
      urls.add(context.task().payload().decode(String.class, Json.DEFAULT_MAPPER));
      return new Completion.Succeeded(Json.encode(202));
    };
    List<String> seen = new CopyOnWriteArrayList<>();
    TaskInterceptor observe = chain -> {
      seen.add(chain.context().task().kind());
      return chain.proceed();
    };
    Errand errand = start(Errand.builder().executor("webhook", webhook).interceptor(observe), Map.of());

    TaskSpec spec = TaskSpec.builder("ping").kind("webhook").payload(Json.encode("https://example.com/hook"))
        .maxAttempts(1).build();
    Task done = awaitFinal(errand, errand.enqueue(spec).task().id());

    assertThat(done.state()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(done.kind()).isEqualTo("webhook");
    assertThat(done.result()).isEqualTo(Json.encode(202));
    assertThat(urls).containsExactly("https://example.com/hook");
    assertThat(seen).containsExactly("webhook");
  }

  @Test
  void taskOfAKindNoExecutorRunsEndsDeadWithAClearError() {
    Errand errand = start(Errand.builder(), Map.of("t", (task, payload) -> null));

    Task done = awaitFinal(errand, errand.enqueue(TaskSpec.builder("t").kind("relay").build()).task().id());

    assertThat(done.state()).isEqualTo(TaskState.DEAD);
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.lastError()).startsWith("no executor for kind relay on worker ").contains("[handler]");
  }

  @Test
  void handlerKindCannotBeReplacedAndAKindIsRegisteredOnce() {
    TaskExecutor any = context -> new Completion.Succeeded(null);
    assertThatThrownBy(() -> Errand.builder().executor(TaskSpec.HANDLER_KIND, any))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind handler");
    assertThatThrownBy(() -> Errand.builder().executor("x", any).executor("x", any))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind x is already registered");
    assertThatThrownBy(() -> Errand.builder().executor("Bad Kind", any))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind must match");
  }

  @Test
  void traceContextOfTheEnqueueIsStoredAndRestoredAsAChildSpanAroundTheRun() {
    TraceContext current = TraceContext.parse(PARENT, "congo=t61rcWkgMzE").orElseThrow();
    AtomicReference<TraceContext> inInterceptor = new AtomicReference<>();
    AtomicReference<String> inHandler = new AtomicReference<>();
    TaskInterceptor otel = chain -> {
      inInterceptor.set(chain.context().traceContext().orElse(null));
      return chain.proceed();
    };
    Errand errand = start(Errand.builder().traceContext(() -> current).interceptor(otel),
        Map.of("t", (task, payload) -> {
          inHandler.set(task.traceParent());
          return null;
        }));

    Task enqueued = errand.enqueue(once("t")).task();
    assertThat(enqueued.headers()).containsEntry("traceparent", PARENT)
        .containsEntry("tracestate", "congo=t61rcWkgMzE");
    awaitFinal(errand, enqueued.id());

    TraceContext run = inInterceptor.get();
    assertThat(run.traceId()).isEqualTo(current.traceId());
    assertThat(run.spanId()).isNotEqualTo(current.spanId()).hasSize(16);
    assertThat(run.flags()).isEqualTo("01");
    assertThat(run.traceState()).isEqualTo("congo=t61rcWkgMzE");
    assertThat(inHandler.get()).isEqualTo(run.traceParent());
  }

  @Test
  void explicitTraceparentWinsOverTheSupplierAndTasksWithoutOneRunWithout() {
    String own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    AtomicReference<String> supplied = new AtomicReference<>(PARENT);
    List<String> seen = new CopyOnWriteArrayList<>();
    Errand errand = start(Errand.builder().traceContext(() -> TraceContext.parse(supplied.get(), null).orElse(null)),
        Map.of("t", (task, payload) -> {
          seen.add(String.valueOf(task.traceParent()));
          return null;
        }));

    Task explicit = errand.enqueue(TaskSpec.builder("t").header("traceparent", own).build()).task();
    supplied.set(null);
    Task none = errand.enqueue(TaskSpec.builder("t").header("x-tenant", "acme").build()).task();

    assertThat(explicit.headers()).containsEntry("traceparent", own).doesNotContainKey("tracestate");
    assertThat(none.headers()).isEqualTo(Map.of("x-tenant", "acme"));
    awaitFinal(errand, explicit.id());
    awaitFinal(errand, none.id());
    assertThat(seen).hasSize(2).anySatisfy(s -> assertThat(s).startsWith("00-0af7651916cd43dd8448eb211c80319c-")
        .endsWith("-00")).contains("null");
  }
}
