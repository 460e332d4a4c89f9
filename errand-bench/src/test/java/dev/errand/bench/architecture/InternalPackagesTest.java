package dev.errand.bench.architecture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.PackageMatcher;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Internal packages are kept internal by the build: no module's code uses a class in another module's
 * {@code ..internal..} packages. It reads every module's compiled main classes from the reactor (this
 * module is built last), so it sees all modules, including this one. A module's tests may use its own
 * internals; they are not read here.
 */
class InternalPackagesTest {
  /** Each reactor module and the root package of its code. A module missing here fails the test. */
  private static final Map<String, String> MODULES = Map.ofEntries(
      Map.entry("errand-core", "dev.errand.core"),
      Map.entry("errand-store-sqlite", "dev.errand.store.sqlite"),
      Map.entry("errand-store-postgres", "dev.errand.store.postgres"),
      Map.entry("errand-micrometer", "dev.errand.micrometer"),
      Map.entry("errand-opentelemetry", "dev.errand.opentelemetry"),
      Map.entry("errand-rabbitmq", "dev.errand.rabbitmq"),
      Map.entry("errand-store-redis", "dev.errand.store.redis"),
      Map.entry("errand-http-target", "dev.errand.httptarget"),
      Map.entry("errand-server", "dev.errand.server"),
      Map.entry("errand-spring-boot-starter", "dev.errand.spring"),
      Map.entry("errand-bench", "dev.errand.bench"));
  private static final PackageMatcher INTERNAL = PackageMatcher.of("..internal..");

  private static final ArchRule NO_FOREIGN_INTERNALS = ArchRuleDefinition.classes()
      .that(DescribedPredicate.describe("belong to a module", (JavaClass c) -> moduleOf(c).isPresent()))
      .should(new ArchCondition<JavaClass>("use no other module's internal packages") {
        @Override
        public void check(JavaClass c, ConditionEvents events) {
          String own = moduleOf(c).orElseThrow();
          for (Dependency d : c.getDirectDependenciesFromSelf()) {
            JavaClass target = d.getTargetClass();
            Optional<String> theirs = moduleOf(target);
            if (theirs.isPresent() && !theirs.get().equals(own) && INTERNAL.matches(target.getPackageName())) {
              events.add(SimpleConditionEvent.violated(d, own + " uses " + theirs.get() + "'s internal "
                  + target.getName() + ": " + d.getDescription()));
            }
          }
        }
      });

  private static Optional<String> moduleOf(JavaClass c) {
    String name = c.getPackageName();
    return MODULES.entrySet().stream()
        .filter(m -> name.equals(m.getValue()) || name.startsWith(m.getValue() + "."))
        .map(Map.Entry::getKey).findFirst();
  }

  @Test
  void noModuleUsesAnotherModulesInternalPackages() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    assertThat(reactorModules(root)).as("every reactor module is listed here").containsExactlyInAnyOrderElementsOf(
        MODULES.keySet());
    List<Path> classes = new ArrayList<>();
    for (String module : MODULES.keySet()) {
      Path dir = root.resolve(module).resolve("target/classes");
      if (!Files.isDirectory(dir.resolve(MODULES.get(module).replace('.', '/')))) {
        String message = module + " is not compiled at " + dir + "; build the whole reactor";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          fail(message + " (CI=true, so this fails instead of skipping)");
        }
        Assumptions.abort(message);
      }
      classes.add(dir);
    }
    JavaClasses imported = new ClassFileImporter().importPaths(classes);
    for (String rootPackage : MODULES.values()) {
      assertThat(imported.containPackage(rootPackage)).as("read %s", rootPackage).isTrue();
    }

    NO_FOREIGN_INTERNALS.check(imported);
  }

  @Test
  void aClassUsingAnotherModulesInternalPackageFailsTheRule() {
    JavaClasses offender = new ClassFileImporter().importClasses(UsesCoreInternals.class);

    EvaluationResult result = NO_FOREIGN_INTERNALS.evaluate(offender);

    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().getDetails()).anySatisfy(line ->
        assertThat(line).contains("errand-bench uses errand-core's internal dev.errand.core.internal.IdleWait"));
  }

  private static List<String> reactorModules(Path root) throws IOException {
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(root.resolve("pom.xml")));
    List<String> modules = new ArrayList<>();
    while (m.find()) {
      // not the BOM, which has no code, nor the examples (in a profile), which are applications of their own
      if (Files.isDirectory(root.resolve(m.group(1)).resolve("src/main/java")) && !m.group(1).startsWith("examples/")) {
        modules.add(m.group(1));
      }
    }
    return modules;
  }
}
